# Sourced by the launcher, CI and testbed scripts: exports JAVA_HOME for a JDK 21 or newer.
# The machine's default java is 17; the Temurin JDK under /usr/lib/jvm is the one Aftershock needs.
# An already-set JAVA_HOME that is new enough wins.
aftershock_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}
aftershock_pick_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(aftershock_java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    return 0
  fi
  local candidate best="" best_major=0 major
  for candidate in /usr/lib/jvm/temurin-*-jdk* /usr/lib/jvm/java-*-openjdk*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(aftershock_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best=$candidate best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "aftershock: no JDK 21 or newer under /usr/lib/jvm (the default java is too old); install a Temurin JDK 21+ or set JAVA_HOME" >&2
    return 1
  fi
  export JAVA_HOME=$best
}
aftershock_pick_jdk
