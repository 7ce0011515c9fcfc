package io.github.jchannels.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The application: {@code mvn -pl examples/spring-boot -am package}, then
 * {@code java -cp ... io.github.jchannels.examples.boot.BootApplication}, or run it from the
 * IDE; {@code --server.port=0} for any free port.
 */
@SpringBootApplication
public class BootApplication {
  /** Starts the application. */
  public static void main(String[] args) {
    SpringApplication.run(BootApplication.class, args);
  }
}
