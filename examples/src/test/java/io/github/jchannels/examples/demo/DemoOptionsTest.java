package io.github.jchannels.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

  @Test
  void defaultsAreThoseTheReadmeDocuments() {
    DemoOptions d = DemoOptions.parse();
    assertThat(d.port()).isEqualTo(8080);
    assertThat(d.wsPort()).as("one port").isEqualTo(8080);
    assertThat(d.transport()).isEqualTo(DemoOptions.Transport.JAKARTA);
    assertThat(d.token()).isEqualTo("demo-token");
    assertThat(d.host()).isEqualTo("127.0.0.1");
    assertThat(d.shell()).isFalse();
    assertThat(d.origins()).isEmpty();
  }

  @Test
  void flagsOverrideDefaultsInBothSpellings() {
    DemoOptions d = DemoOptions.parse("--port", "9000", "--token=s3cret", "--shell",
        "--origin", "https://a.example,https://b.example", "--origin=http://c", "--word-delay",
        "5");
    assertThat(d.port()).isEqualTo(9000);
    assertThat(d.wsPort()).isEqualTo(9000);
    assertThat(d.token()).isEqualTo("s3cret");
    assertThat(d.shell()).isTrue();
    assertThat(d.origins()).isEqualTo(List.of("https://a.example", "https://b.example",
        "http://c"));
    assertThat(d.wordDelay()).isEqualTo(Duration.ofMillis(5));
  }

  @Test
  void portZeroMeansAnyFreePortForBoth() {
    assertThat(DemoOptions.parse("--port", "0").wsPort()).isZero();
    assertThat(DemoOptions.parse("--port", "0", "--transport", "jws").wsPort()).isZero();
  }

  @Test
  void javaWebSocketTransportHasItsOwnPortNextToThePage() {
    DemoOptions d = DemoOptions.parse("--transport", "jws");
    assertThat(d.transport()).isEqualTo(DemoOptions.Transport.JWS);
    assertThat(d.port()).isEqualTo(8080);
    assertThat(d.wsPort()).isEqualTo(8081);
    assertThat(DemoOptions.parse("--transport=jws", "--port", "9000", "--ws-port", "9100")
        .wsPort()).isEqualTo(9100);
  }

  @Test
  void wsPortWithoutTheJwsTransportIsRefused() {
    assertThatThrownBy(() -> DemoOptions.parse("--ws-port", "9100"))
        .hasMessageContaining("--ws-port").hasMessageContaining("--transport jws");
    assertThatThrownBy(() -> DemoOptions.parse("--transport", "netty"))
        .hasMessageContaining("--transport");
  }

  @Test
  void badFlagsAreNamedInTheError() {
    assertThatThrownBy(() -> DemoOptions.parse("--port", "eighty"))
        .hasMessageContaining("--port");
    assertThatThrownBy(() -> DemoOptions.parse("--nope")).hasMessageContaining("--nope");
    assertThatThrownBy(() -> DemoOptions.parse("--token")).hasMessageContaining("--token");
    assertThatThrownBy(() -> DemoOptions.parse("--port", "70000"))
        .hasMessageContaining("70000");
  }
}
