package io.github.jchannels.typescript;

import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The generator's command line, for a build to run (for instance with exec-maven-plugin's
 * {@code exec} goal and {@code %classpath}):
 *
 * <pre>
 * java -cp CLASSPATH io.github.jchannels.typescript.GenerateTypeScript --out DIR
 *     [--defaults] [--family CLASS[#FIELD]]... [--registry CLASS#MEMBER]... [--no-schemas]
 * </pre>
 *
 * <ul>
 *   <li>{@code --family com.acme.WorkflowEvent}: every public static {@link Family} field of
 *       the class (a family's {@code FAMILY} constant, or every family of a holder such as
 *       {@code io.github.jchannels.core.Channels}); {@code CLASS#FIELD}: that field only.
 *   <li>{@code --registry com.acme.App#REGISTRY}: every family of an {@link EventRegistry}
 *       held by a static field or returned by a static method without parameters.
 *   <li>{@code --defaults}: {@code global}, {@code session} and {@code shell}.
 * </ul>
 *
 * <p>Exit status: 0 when written, 1 when a family cannot be mapped (the message names the
 * component), 2 on a usage error.
 */
public final class GenerateTypeScript {
  private GenerateTypeScript() {}

  /** Runs the generator; exits with the status of {@link #run}. */
  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Runs the generator, printing to {@code out} and {@code err}; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    TypeScriptGenerator.Builder builder = TypeScriptGenerator.builder();
    @Nullable Path dir = null;
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--out" -> dir = Path.of(value(args, ++i, a));
          case "--defaults" -> builder.registry(EventRegistry.defaults());
          case "--family" -> families(value(args, ++i, a)).forEach(builder::family);
          case "--registry" -> builder.registry(registry(value(args, ++i, a)));
          case "--no-schemas" -> builder.schemas(false);
          default -> throw new UsageException("unknown argument '" + a + "'");
        }
      }
      if (dir == null) {
        throw new UsageException("--out DIR is required");
      }
    } catch (UsageException e) {
      err.println("channels-typescript: " + e.getMessage());
      err.println("usage: GenerateTypeScript --out DIR [--defaults] [--family CLASS[#FIELD]]..."
          + " [--registry CLASS#MEMBER]... [--no-schemas]");
      return 2;
    }
    try {
      TypeScriptGenerator generator = builder.build();
      List<Path> written = generator.writeTo(dir);
      out.println("channels-typescript: " + generator.files().size() + " files in " + dir
          + " (" + written.size() + " changed), families "
          + generator.families().stream().map(Family::name).collect(Collectors.joining(", ")));
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("channels-typescript: cannot generate TypeScript: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println("channels-typescript: cannot write " + dir + ": " + e);
      return 1;
    }
  }

  private static String value(String[] args, int i, String flag) throws UsageException {
    if (i >= args.length) {
      throw new UsageException(flag + " needs a value");
    }
    return args[i];
  }

  private static List<Family<?>> families(String spec) throws UsageException {
    int hash = spec.indexOf('#');
    Class<?> c = load(hash < 0 ? spec : spec.substring(0, hash));
    List<Family<?>> out = new ArrayList<>();
    for (Field f : c.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && Family.class.isAssignableFrom(f.getType())
          && (hash < 0 || f.getName().equals(spec.substring(hash + 1)))) {
        out.add((Family<?>) get(f, spec));
      }
    }
    if (out.isEmpty()) {
      throw new UsageException(hash < 0
          ? c.getName() + " has no public static Family field"
          : "no public static Family field " + spec);
    }
    return out;
  }

  private static EventRegistry registry(String spec) throws UsageException {
    int hash = spec.indexOf('#');
    if (hash < 0) {
      throw new UsageException("--registry needs CLASS#MEMBER, got '" + spec + "'");
    }
    Class<?> c = load(spec.substring(0, hash));
    String member = spec.substring(hash + 1);
    try {
      Field f = c.getField(member);
      if (Modifier.isStatic(f.getModifiers()) && f.get(null) instanceof EventRegistry r) {
        return r;
      }
    } catch (NoSuchFieldException | IllegalAccessException e) {
      // not a field: try a method
    }
    try {
      Method m = c.getMethod(member);
      if (Modifier.isStatic(m.getModifiers()) && m.invoke(null) instanceof EventRegistry r) {
        return r;
      }
    } catch (ReflectiveOperationException e) {
      // reported below
    }
    throw new UsageException(spec + " is neither a public static EventRegistry field nor a"
        + " public static method without parameters returning one");
  }

  private static Object get(Field f, String spec) throws UsageException {
    try {
      Object v = f.get(null);
      if (v == null) {
        throw new UsageException(spec + " is null");
      }
      return v;
    } catch (IllegalAccessException e) {
      throw new UsageException("cannot read " + spec + ": " + e.getMessage());
    }
  }

  private static Class<?> load(String name) throws UsageException {
    try {
      return Class.forName(name, true, GenerateTypeScript.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new UsageException("class " + name + " is not on the class path (" + e + ")");
    }
  }

  /** A bad command line. */
  private static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
