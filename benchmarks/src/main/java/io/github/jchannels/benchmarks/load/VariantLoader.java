package io.github.jchannels.benchmarks.load;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * Loads another build of channels-server (a classes directory or jar) beside the one on the
 * class path, so two builds can be measured in one process, interleaved, under the same
 * background load: {@code --targets channels,channels@/tmp/patched/target/classes}. The
 * server's classes and {@link ChannelsTarget} are loaded child-first from the variant; core,
 * Java-WebSocket and the harness types come from the parent.
 */
final class VariantLoader extends URLClassLoader {
  private static final String SERVER = "io.github.jchannels.server.";
  private static final String TARGET = ChannelsTarget.class.getName();

  private VariantLoader(URL variant) {
    super("variant", new URL[] {variant}, VariantLoader.class.getClassLoader());
  }

  /** A channels target built from the server classes at {@code location}. */
  static Target channels(String location) {
    try {
      VariantLoader loader = new VariantLoader(Path.of(location).toUri().toURL());
      Class<?> c = loader.loadClass(TARGET);
      return (Target) c.getConstructor().newInstance();
    } catch (MalformedURLException | ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot load channels-server from " + location, e);
    }
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (!name.startsWith(SERVER) && !name.equals(TARGET)) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        if (name.equals(TARGET)) {
          c = defineFromParent(name);
        } else {
          c = findClass(name); // strict: never the parent's server classes
        }
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  /** Defines the parent's bytes of {@code name} in this loader (so it links to the variant). */
  private Class<?> defineFromParent(String name) throws ClassNotFoundException {
    String resource = name.replace('.', '/') + ".class";
    try (InputStream in = getParent().getResourceAsStream(resource)) {
      if (in == null) {
        throw new ClassNotFoundException(name);
      }
      byte[] b = in.readAllBytes();
      return defineClass(name, b, 0, b.length);
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
  }
}
