#!/bin/sh
# Starts the demo (built by `mvn -q -DskipTests install`) with a Java 21 or newer, which the
# default `java` may not be: tries $JAVA_HOME, the `java` on the PATH, then the usual JDK folders.
#   examples/demo.sh [--port 8080] [--token demo-token] [--shell] [--origin URL]
#                    [--transport jakarta|jws] [--help]
#   examples/demo.sh chat [--session demo] hello there        (the Java CLI client)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jar="$here/target/channels-demo.jar"
if [ ! -f "$jar" ]; then
  echo "No $jar: build it first with: npm ci --prefix examples && mvn -q -DskipTests install" >&2
  exit 1
fi

major() { # prints the feature version of the java executable $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1 | grep . || echo 0
}

for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" \
    /usr/lib/jvm/*/bin/java /Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java \
    "$HOME"/.sdkman/candidates/java/*/bin/java "$HOME"/.jdks/*/bin/java; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$(major "$candidate")" -ge 21 ]; then
    # one folder for pty4j's natives (the terminal) instead of a new /tmp/pty4j-* per run
    exec "$candidate" -Dpty4j.tmpdir="$here/target/pty4j" -jar "$jar" "$@"
  fi
done
echo "The demo needs Java 21 or newer; set JAVA_HOME to one." >&2
exit 1
