# Sourced by .ci/setup and .ci/compose-setup: the Debian mirror this machine's apt uses, and single
# binaries taken from Debian 13 (trixie) packages on an older Debian.

# The mirror of apt's own sources (deb822 first, then the one-line format); fails when there is none.
# STAGEGATE_DEBIAN_MIRROR, when set, is used instead and said (an Ubuntu runner has no Debian mirror).
debian_mirror() {
  local mirror
  if [ -n "${STAGEGATE_DEBIAN_MIRROR:-}" ]; then
    echo "debian-packages: Debian mirror from STAGEGATE_DEBIAN_MIRROR: $STAGEGATE_DEBIAN_MIRROR" >&2
    echo "$STAGEGATE_DEBIAN_MIRROR"
    return 0
  fi
  mirror="$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  [ -n "$mirror" ] || mirror="$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null || true)"
  [ -n "$mirror" ] || { echo "no Debian mirror found in apt's sources" >&2; return 1; }
  echo "$mirror"
}

# install_from_trixie PACKAGE PATH-IN-PACKAGE DESTINATION: fetch the package with a throw-away apt
# configuration that only knows trixie (on this machine's mirror), and install that one file (a static
# binary) as DESTINATION. Nothing else of the package is installed.
install_from_trixie() {
  local package=$1 path=$2 destination=$3 mirror work sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  mirror="$(debian_mirror)" || return 1
  work="$(mktemp -d)"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/x"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$work/sources.list"
  local apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
  local status=0
  # In an `if`, so that a caller's `set -e` still lets the scratch folder be removed on a failure.
  if ! { apt-get "${apt_opts[@]}" update -qq &&
    (cd "$work" && apt-get "${apt_opts[@]}" download "$package" >/dev/null) &&
    dpkg-deb -x "$work/$package"_*.deb "$work/x" &&
    $sudo_cmd mkdir -p "$(dirname "$destination")" &&
    $sudo_cmd install -m 0755 "$work/x/$path" "$destination"; }; then
    status=1
  fi
  rm -rf "$work"
  return $status
}
