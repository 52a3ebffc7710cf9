#!/usr/bin/env bash
# tests/package/build-and-install.sh SRCDIR WORKDIR — builds the Debian
# packages from a copy of the source tree and checks what they hold, without
# installing anything system-wide:
#   1. copies the tree's files (tracked and untracked, not ignored: never a
#      build folder) into WORKDIR/src and runs dpkg-buildpackage -us -uc -b;
#   2. checks each .deb's file list (dpkg-deb -c), the parley unit, the
#      conffiles and the maintainer scripts;
#   3. runs lintian on the .debs when it is installed (errors fail);
#   4. extracts parley, parley-dev and parley-demos into WORKDIR/root
#      (dpkg -x) and builds examples/plugin there with nothing but
#      pkg-config (PKG_CONFIG_SYSROOT_DIR=WORKDIR/root), installing hello.so
#      into the extracted plugin folder.
# It writes WORKDIR/paths.env (MULTIARCH=...) for the caller, which then
# starts the extracted parleyd (tests/e2e/debian-package.test.mjs).
# Exits non-zero with a "FAIL:" line naming what is wrong.
set -euo pipefail

srcdir=${1:?usage: build-and-install.sh SRCDIR WORKDIR}
workdir=${2:?usage: build-and-install.sh SRCDIR WORKDIR}
jobs=${PARLEY_PACKAGE_JOBS:-2}

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

for tool in dpkg-buildpackage dh fakeroot dpkg-deb dpkg-architecture pkg-config git; do
	command -v "$tool" >/dev/null ||
		fail "$tool is missing (apt-get install debhelper dpkg-dev fakeroot pkg-config git; ./parley.sh test does)"
done
[ -d "$srcdir/debian" ] || fail "$srcdir/debian does not exist"
git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1 || fail "$srcdir is not a git work tree"

# A make above us (make check) must not hand its jobserver or flags down.
unset MAKEFLAGS MFLAGS MAKELEVEL CFLAGS CPPFLAGS LDFLAGS CC
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
src=$workdir/src root=$workdir/root
rm -rf "$src" "$root"
mkdir -p "$src" "$root"

step "copying the source tree into $src"
(cd "$srcdir" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -xf - -C "$src"
[ -f "$src/configure.ac" ] && [ -f "$src/debian/control" ] || fail "the copy misses configure.ac or debian/control"

step "dpkg-buildpackage -us -uc -b -j$jobs"
t0=$(date +%s)
if ! (cd "$src" && dpkg-buildpackage -us -uc -b -j"$jobs") >"$workdir/build.log" 2>&1; then
	tail -n 60 "$workdir/build.log" >&2
	fail "dpkg-buildpackage failed (log: $workdir/build.log)"
fi
echo "built in $(( $(date +%s) - t0 )) s"

version=$(cd "$src" && dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb_parley=$workdir/parley_${version}_${arch}.deb
deb_dev=$workdir/parley-dev_${version}_${arch}.deb
deb_demos=$workdir/parley-demos_${version}_all.deb
for d in "$deb_parley" "$deb_dev" "$deb_demos"; do
	[ -f "$d" ] || fail "$(basename "$d") was not built (have: $(cd "$workdir" && ls ./*.deb 2>/dev/null | tr '\n' ' '))"
done

# expect_files DEB PATH...: every PATH (as dpkg-deb -c prints it, ./...) is in DEB.
expect_files() {
	local deb=$1 list missing=()
	shift
	list=$(dpkg-deb -c "$deb" | awk '{print $6}')
	for p in "$@"; do
		grep -qxF "$p" <<<"$list" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] || fail "$(basename "$deb") lacks: ${missing[*]}"
	echo "$(basename "$deb"): $# expected files present"
}
# refuse_files DEB REGEX: no path of DEB matches REGEX.
refuse_files() {
	local bad
	bad=$(dpkg-deb -c "$1" | awk '{print $6}' | grep -E "$2" || true)
	[ -z "$bad" ] || fail "$(basename "$1") holds files it must not: $bad"
}

step "checking the packages' contents"
moddir=./usr/lib/$multiarch/parley
confs=() headers=() pages=()
for f in "$src"/conf/*.conf; do confs+=("./etc/parley/$(basename "$f")"); done
for f in "$src"/include/parley/*.h; do headers+=("./usr/include/parley/$(basename "$f")"); done
# html/bundle holds the sources of a build product (the mediasoup-client
# bundle), html/node_modules the npm packages it is made from.
while IFS= read -r f; do pages+=("./usr/share/parley/${f}"); done < <(cd "$src" && find html \( -path html/bundle -o -path html/node_modules \) -prune -o -type f \( -name '*.html' -o -name '*.js' -o -name '*.css' \) -print | sort)
[ ${#pages[@]} -gt 0 ] || fail "no demo pages found under $src/html"
pages+=(./usr/share/parley/html/mediasoup-client.bundle.js)

expect_files "$deb_parley" ./usr/bin/parleyd \
	"$moddir/plugins/parley_plugin_echo.so" "$moddir/plugins/parley_plugin_meeting.so" \
	"$moddir/plugins/parley_plugin_room.so" "$moddir/plugins/parley_plugin_chat.so" \
	"$moddir/transports/parley_transport_http.so" "$moddir/transports/parley_transport_websocket.so" \
	./etc/parley/parley.conf "${confs[@]}" \
	./lib/systemd/system/parley.service ./usr/share/man/man1/parleyd.1.gz \
	./usr/share/doc/parley/copyright
refuse_files "$deb_parley" '\.la$|/include/|\.pc$|/share/parley/html'
expect_files "$deb_dev" "${headers[@]}" "./usr/lib/$multiarch/pkgconfig/parley.pc"
refuse_files "$deb_dev" 'bin/|\.so$'
expect_files "$deb_demos" "${pages[@]}"
refuse_files "$deb_demos" '\.so$|bin/|node_modules|/html/bundle/'

ctrl=$workdir/control
rm -rf "$ctrl"
dpkg-deb -e "$deb_parley" "$ctrl"
for c in "${confs[@]}"; do
	grep -qxF "${c#.}" "$ctrl/conffiles" || fail "${c#.} is not a conffile of parley"
done
grep -q 'adduser --system' "$ctrl/postinst" || fail "parley's postinst does not create the system user"
grep -q "deb-systemd-helper enable 'parley.service'" "$ctrl/postinst" ||
	fail "parley's postinst does not enable parley.service (dh_installsystemd)"
grep -q 'rm -rf /var/lib/parley' "$ctrl/postrm" || fail "parley's postrm does not remove the state folder on purge"
echo "parley: conffiles and maintainer scripts as expected"

if command -v lintian >/dev/null; then
	step "lintian"
	changes=$workdir/parley_${version}_${arch}.changes
	lintian --display-info --pedantic --fail-on error "$changes" >"$workdir/lintian.txt" 2>&1 &&
		lint_rc=0 || lint_rc=$?
	grep -v 'running with root privileges' "$workdir/lintian.txt" || true
	echo "lintian: $(grep -c '^E:' "$workdir/lintian.txt" || true) errors, $(grep -c '^W:' "$workdir/lintian.txt" || true) warnings"
	[ "$lint_rc" -eq 0 ] || fail "lintian reports errors (see above; $workdir/lintian.txt)"
else
	step "lintian is not installed: skipped (apt-get install lintian)"
fi

step "extracting parley, parley-dev and parley-demos into $root"
for d in "$deb_parley" "$deb_dev" "$deb_demos"; do dpkg -x "$d" "$root"; done
[ -x "$root/usr/bin/parleyd" ] || fail "no executable usr/bin/parleyd in the extracted root"
"$root/usr/bin/parleyd" --version | grep -qxF "parleyd $version" ||
	fail "extracted parleyd --version does not print \"parleyd $version\""

unit=$root/lib/systemd/system/parley.service
grep -q '@[a-z]*@' "$unit" && fail "parley.service still has unsubstituted @...@: $(grep '@[a-z]*@' "$unit")"
for line in 'ExecStart=/usr/bin/parleyd --configs-folder /etc/parley' 'User=parley' 'StateDirectory=parley' \
	'ReadWritePaths=/var/lib/parley' 'NoNewPrivileges=yes' 'ProtectSystem=strict'; do
	grep -qxF "$line" "$unit" || fail "parley.service lacks \"$line\""
done
if command -v systemd-analyze >/dev/null; then
	# verify looks for the unit's binaries on the real system: only syntax counts.
	if systemd-analyze verify --man=no "$unit" 2>&1 | grep -iE 'unknown|invalid|failed to parse|ignoring'; then
		fail "systemd-analyze verify complains about parley.service (above)"
	fi
fi
echo "parley.service: paths substituted, runs as parley, hardened"

step "building examples/plugin against the extracted parley.pc and headers"
pcdir=$root/usr/lib/$multiarch/pkgconfig
plugindir_pc=$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=plugindir parley)
[ "$plugindir_pc" = "/usr/lib/$multiarch/parley/plugins" ] ||
	fail "parley.pc's plugindir is $plugindir_pc, the package ships plugins in /usr/lib/$multiarch/parley/plugins"
# A sysroot holds the build dependencies too: link the system's GLib and
# Jansson include folders into it, so only parley's files come from the root.
for flag in $(pkg-config --cflags-only-I glib-2.0 jansson); do
	dir=${flag#-I}
	[ -e "$root$dir" ] && continue
	mkdir -p "$(dirname "$root$dir")"
	ln -s "$dir" "$root$dir"
done
example=$workdir/example
rm -rf "$example"
cp -r "$src/examples/plugin" "$example"
rm -f "$example/hello.so"
export PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$root
make -C "$example" >"$workdir/example.log" 2>&1 || { cat "$workdir/example.log" >&2; fail "examples/plugin does not build against the package"; }
grep -q -- "-I$root/usr/include" "$workdir/example.log" ||
	{ cat "$workdir/example.log" >&2; fail "the example was not compiled with the extracted headers (-I$root/usr/include)"; }
make -C "$example" install >>"$workdir/example.log" 2>&1 || { cat "$workdir/example.log" >&2; fail "make install of the example failed"; }
[ -f "$root/usr/lib/$multiarch/parley/plugins/hello.so" ] || fail "hello.so did not land in the extracted plugin folder"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
echo "hello.so built with pkg-config only and installed into the extracted plugin folder"

printf 'VERSION=%s\nMULTIARCH=%s\nROOT=%s\n' "$version" "$multiarch" "$root" >"$workdir/paths.env"
echo "OK: packages built, checked and extracted into $root"
