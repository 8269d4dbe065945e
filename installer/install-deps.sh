#!/usr/bin/env bash
# Installs every Debian package that Fabulist needs to build, run and test.
# Non-interactive, idempotent (installs only what is missing), waits for the apt lock, and uses
# sudo only when not already root. Works on Debian 12 (bookworm) and Debian 13 (trixie).
set -euo pipefail

# Packages every build needs. Optional ones (present only on some releases) are probed below.
required=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  qt6-base-dev qt6-base-dev-tools libgl-dev libxkbcommon-dev
  libsqlite3-dev sqlite3
  libvulkan-dev glslc mesa-vulkan-drivers
  xvfb xauth fonts-dejavu-core
  clang libclang-rt-dev
  # The default model's training recipe (inference/training/) and its CTest smoke test.
  python3 python3-torch python3-numpy python3-rdata python3-sentencepiece python3-matplotlib
  r-cran-janeaustenr libopenblas0-openmp
  # Word lists for eval-diversity's non-word rate (the slider's diverse end stays in English).
  wamerican wbritish
  # The editor's spell check (Hunspell) and the dictionaries its tests check against.
  libhunspell-dev hunspell-en-us hunspell-en-gb
  # Export (#19): DOCX/EPUB are zip files (libzip); poppler-utils reads the PDFs back in tests;
  # Liberation Mono/Serif are metric clones of Courier/Times for standard manuscript format.
  libzip-dev poppler-utils fonts-liberation
  # Chat templates: the chat_template_jinja2 test renders our templates with Python's jinja2.
  python3-jinja2
  # Goals and statistics: the words-per-day chart.
  qt6-charts-dev
  # The .deb package (installer/package.sh): hicolor PNG icons rendered from the SVG, and the
  # checks of the desktop entry, the AppStream metainfo, the MIME association and the man page.
  librsvg2-bin desktop-file-utils appstream xdg-utils shared-mime-info man-db
  # xdg-mime outside a desktop session asks File::MimeInfo's mimetype (the package check).
  libfile-mimeinfo-perl
  # Remote engines (#22): the API key in the desktop keyring (QtKeychain); the remote test leg
  # debootstraps a Debian sid root for its real llama-server.
  qtkeychain-qt6-dev debootstrap
)
# KF6 SyntaxHighlighting exists from Debian 13 on; without it the editor uses its own
# highlighter. On a release we know, it is required or skipped outright (so that a second run
# needs no 'apt-get update'); on an unknown one it is installed when apt has it.
optional=()
version_id=$( . /etc/os-release 2>/dev/null; echo "${VERSION_ID:-}" )
if [[ $version_id =~ ^[0-9]+$ ]]; then
  [ "$version_id" -ge 13 ] && required+=(libkf6syntaxhighlighting-dev)
  # Debian 12's qt6-charts-dev lacks its dependency on the Qt OpenGL CMake package (Debian 13
  # ships that inside qt6-base-dev).
  [ "$version_id" -eq 12 ] && required+=(libqt6opengl6-dev)
else
  optional+=(libkf6syntaxhighlighting-dev)
fi

if [ "$(id -u)" -eq 0 ]; then sudo_cmd=(); else sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3 --no-install-recommends)

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${required[@]}"; do is_installed "$p" || missing+=("$p"); done
for p in "${optional[@]+"${optional[@]}"}"; do is_installed "$p" || missing+=("?$p"); done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

echo "install-deps: updating package lists"
"${sudo_cmd[@]}" apt-get -q -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3 update

to_install=()
for p in "${missing[@]}"; do
  if [[ $p == \?* ]]; then
    name=${p#\?}
    if apt-cache show "$name" >/dev/null 2>&1; then to_install+=("$name");
    else echo "install-deps: optional package $name is not available on this release; skipping"; fi
  else
    to_install+=("$p")
  fi
done

if [ ${#to_install[@]} -gt 0 ]; then
  echo "install-deps: installing ${to_install[*]}"
  "${sudo_cmd[@]}" apt-get install "${apt_opts[@]}" "${to_install[@]}"
fi
echo "install-deps: done"
