#!/usr/bin/env bash
# Checks Fabulist's .deb the way a user meets it, as root inside a Debian root (CI's Debian 13
# leg): installs it with apt (dependencies from the archive), runs fabulist-cli and the headless
# check with the installed default model, opens a project file through its MIME association
# (xdg-mime) in the real window (offscreen), then purges the package and checks that none of its
# files is left. Packages it brought in are purged too, so the root ends as it began.
#   installer/package-check.sh build/fabulist_0.1.0-1~deb13_amd64.deb
set -euo pipefail

log() { printf 'package-check: %s\n' "$*"; }
fail() { printf 'package-check: FAILED: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: $0 FABULIST.deb" >&2; exit 2; }
deb=$(realpath "$1")
[ -f "$deb" ] || fail "$1 does not exist; build it with installer/package.sh"
[ "$(id -u)" -eq 0 ] || fail "run as root (it installs and purges the package)"
dpkg-query -W fabulist >/dev/null 2>&1 && fail "fabulist is already installed; purge it first"

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3)
tmp=$(mktemp -d)
before=$tmp/packages-before
dpkg-query -W -f='${Package}\n' | sort > "$before"

# Whatever happens, the package and all it pulled in go again.
restore_root() {
  local rc=$? new
  dpkg-query -W fabulist >/dev/null 2>&1 && apt-get purge "${apt_opts[@]}" fabulist >/dev/null
  new=$(dpkg-query -W -f='${Package}\n' | sort | comm -13 "$before" - | tr '\n' ' ')
  if [ -n "${new// /}" ]; then
    log "purging what the check brought in: $new"
    # shellcheck disable=SC2086 # one word per package
    apt-get purge "${apt_opts[@]}" $new >/dev/null || log "could not purge $new"
  fi
  rm -rf "$tmp"
  exit $rc
}
trap restore_root EXIT

step() { step_start=$(date +%s); log "$1"; }
done_step() { log "  ok ($(( $(date +%s) - step_start )) s)"; }

step "apt-get install $(basename "$deb")"
apt-get install "${apt_opts[@]}" "$deb" > "$tmp/install.log" 2>&1 ||
  { tail -30 "$tmp/install.log"; fail "apt-get install of $deb failed"; }
dpkg-query -W -f='  installed ${Package} ${Version}\n' fabulist
dpkg -L fabulist | sort > "$tmp/files"
log "  $(grep -c . "$tmp/files") paths; newly installed packages: $(dpkg-query -W -f='${Package}\n' | sort | comm -13 "$before" - | grep -vx fabulist | tr '\n' ' ')"
done_step

for f in /usr/bin/fabulist /usr/bin/fabulist-cli /usr/share/fabulist/models/fabulist-default.gguf \
         /usr/share/applications/fabulist.desktop /usr/share/mime/packages/fabulist.xml \
         /usr/share/icons/hicolor/48x48/apps/fabulist.png /usr/share/man/man1/fabulist-cli.1.gz; do
  [ -f "$f" ] || fail "$f is not installed"
done

# The binaries must use the installed model and prompts, not those of the source tree they were
# built from: when that tree is here (CI builds in this root), its resources/ are hidden.
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hide=()
if [ -f "$src/resources/models/fabulist-default.gguf" ]; then
  # In a mount namespace of their own (a chroot's / is no mount point, so unshare leaves the
  # propagation alone and the folder's mount is made private by hand: nothing leaks out).
  # shellcheck disable=SC2016 # $1 and $@ belong to the inner bash
  hide=(unshare --mount --propagation unchanged -- bash -c
    'mount --make-rprivate "$(findmnt -no TARGET -T "$1")" && mount -t tmpfs none "$1" && shift && exec "$@"'
    hide "$src/resources")
  "${hide[@]}" test ! -e "$src/resources/models/fabulist-default.gguf" ||
    fail "could not hide $src/resources (unshare --mount)"
  log "the source tree's $src/resources is hidden from the checks"
fi

step "fabulist-cli --version and the headless check (installed default model)"
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_DATA_HOME=$tmp/home/.local/share
mkdir -p "$XDG_CONFIG_HOME"
unset FABULIST_DEFAULT_MODEL
version=$(fabulist-cli --version) || fail "fabulist-cli --version failed"
log "  $version"
[[ $version == "fabulist-cli $(dpkg-query -W -f='${Version}' fabulist | cut -d- -f1)" ]] ||
  fail "fabulist-cli --version says '$version', not the package's version"
project=$tmp/novel.fabulist
"${hide[@]}" fabulist-cli project create --sample "$project" || fail "fabulist-cli project create failed"
fabulist-cli project info "$project" > "$tmp/info" || fail "fabulist-cli project info failed"
head -4 "$tmp/info"
text=$("${hide[@]}" fabulist-cli generate -p "It was a cold morning in November when" -n 24 \
  --temp 0.8 --seed 1) || fail "fabulist-cli generate with the installed default model failed"
log "  generated: $(printf '%s' "$text" | head -c 200)"
[ -n "$text" ] || fail "fabulist-cli generate wrote nothing"
gui_version=$(QT_QPA_PLATFORM=offscreen fabulist --version) || fail "fabulist --version failed"
log "  $gui_version"
done_step

step "MIME association of $project"
# xdg-mime outside a desktop session asks File::MimeInfo's mimetype (install-deps.sh installs it).
command -v mimetype >/dev/null || fail "mimetype is missing: run installer/install-deps.sh"
filetype=$(xdg-mime query filetype "$project") || fail "xdg-mime query filetype failed"
log "  xdg-mime query filetype: $filetype"
[ "$filetype" = application/x-fabulist ] || fail "$project is $filetype, not application/x-fabulist"
handler=$(xdg-mime query default application/x-fabulist) || fail "xdg-mime query default failed"
log "  xdg-mime query default application/x-fabulist: $handler"
[ "$handler" = fabulist.desktop ] || fail "application/x-fabulist opens with '$handler', not fabulist.desktop"
done_step

step "open the project as the desktop does (Exec of $handler, offscreen window)"
exec_line=$(sed -n 's/^Exec=//p' "/usr/share/applications/$handler" | head -1)
read -r -a command <<< "${exec_line//%f/$project}"
QT_QPA_PLATFORM=offscreen "${hide[@]}" "${command[@]}" > "$tmp/gui.log" 2>&1 &
gui=$!
# Opened means remembered as the last project (MainWindow::openProject), once settings are written.
for _ in $(seq 1 10); do
  sleep 1
  kill -0 $gui 2>/dev/null || { cat "$tmp/gui.log"; fail "the window exited by itself"; }
done
kill -TERM $gui
gui_rc=0
wait $gui || gui_rc=$?
[ $gui_rc -eq 0 ] || { cat "$tmp/gui.log"; fail "the window exited with $gui_rc after SIGTERM"; }
grep -q "novel.fabulist" "$XDG_CONFIG_HOME/Fabulist/Fabulist.conf" 2>/dev/null ||
  { cat "$tmp/gui.log"; fail "'${command[*]}' did not open $project (not in Fabulist.conf)"; }
log "  '${command[*]}' opened the project and quit cleanly on SIGTERM"
done_step

step "apt-get purge fabulist"
apt-get purge "${apt_opts[@]}" fabulist > "$tmp/purge.log" 2>&1 ||
  { tail -20 "$tmp/purge.log"; fail "apt-get purge fabulist failed"; }
left=()
while read -r path; do
  [ -e "$path" ] || continue
  # Shared folders (/usr/share/icons/hicolor/48x48/apps, ...) stay while another package owns them.
  if [ -d "$path" ] && ! [ -L "$path" ] && dpkg -S "$path" >/dev/null 2>&1; then continue; fi
  left+=("$path")
done < <(grep -vx '/\.' "$tmp/files")
[ ${#left[@]} -eq 0 ] || fail "purge left these files of the package: ${left[*]}"
[ "$(xdg-mime query filetype "$project")" != application/x-fabulist ] ||
  fail "application/x-fabulist is still known after the purge"
log "  none of the $(grep -c . "$tmp/files") paths is left"
done_step
log "passed"
