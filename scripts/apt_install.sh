# Installing Debian packages for setup_browser.sh and setup_services.sh (sourced, not run): as root,
# or through sudo when it needs no password. Each caller says in its own words what is missing.

# Sets APT_SUDO to the prefix apt-get runs with; fails when neither root nor passwordless sudo.
apt_privileges() {
  if [ "$(id -u)" -eq 0 ]; then
    APT_SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    APT_SUDO=(sudo -n)
  else
    return 1
  fi
}

# apt_install LOG PACKAGE...: update and install quietly into LOG; on failure shows the log's end.
apt_install() {
  local log=$1
  shift
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${APT_SUDO[@]}" apt-get update -qq && "${APT_SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    return 1
  fi
}
