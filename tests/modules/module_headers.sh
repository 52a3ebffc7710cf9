#!/bin/sh
# module_headers.sh — the build's rule that a module includes only
# <parley/*.h>, proved with the compile commands the build uses. The build
# writes them into tests/modules/compile-commands (see tests/local.mk):
# the build folder, the source folder, the command of a module's sources,
# the command of the core's own sources, one a line. tests/modules/core_header.c is
# compiled (TAP, one line per case):
#  1. with a module's command as is: it compiles (the command works);
#  2. with the core's command and the core header: it compiles (the header
#     exists and the core reaches it, so case 3 fails for the right reason);
#  3. with a module's command and the core header: it fails, because that
#     header is not found;
#  4. no module or util source names a core header by its path from the
#     top folder ("core/..."), which every target's -I$(top_srcdir) (there
#     for "util/<name>.h") would otherwise let through.
here=$(cd "$(dirname "$0")" && pwd)
commands="$here/../modules/compile-commands"
echo "1..4"
if [ ! -f "$commands" ]; then
	for n in 1 2 3 4; do echo "not ok $n - $commands is missing"; done
	exit 1
fi
builddir=$(sed -n 1p "$commands")
source="$(sed -n 2p "$commands")/tests/modules/core_header.c"
module_compile=$(sed -n 3p "$commands")
core_compile=$(sed -n 4p "$commands")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0

# compile NAME COMMAND [FLAGS]: the command's output goes to $out/NAME.log.
compile() {
	name=$1 command=$2
	shift 2
	(cd "$builddir" && eval "$command" '"$@"' -c '"$source"' -o '"$out/$name.o"') >"$out/$name.log" 2>&1
}

if compile plain "$module_compile"; then
	echo "ok 1 - a module's source compiles with a module's flags"
else
	echo "not ok 1 - a module's source does not compile with a module's flags:"
	sed 's/^/# /' "$out/plain.log"
	failed=1
fi
if compile core "$core_compile" -DPARLEY_TRY_CORE_HEADER; then
	echo "ok 2 - the core's flags find the core header"
else
	echo "not ok 2 - the core's flags do not find the core header:"
	sed 's/^/# /' "$out/core.log"
	failed=1
fi
if compile module "$module_compile" -DPARLEY_TRY_CORE_HEADER; then
	echo "not ok 3 - a module that includes a core header compiled"
	failed=1
elif grep -Eq "session\.h(: No such file|' file not found)" "$out/module.log"; then
	echo "ok 3 - a module that includes a core header does not compile (header not found)"
else
	echo "not ok 3 - the compile failed, but not because the core header is missing:"
	sed 's/^/# /' "$out/module.log"
	failed=1
fi
found=$(cd "$(sed -n 2p "$commands")" &&
	grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](\.\./)*core/' plugins transports handlers util 2>/dev/null)
if [ -z "$found" ]; then
	echo "ok 4 - no module or util source includes a core header by its path"
else
	echo "not ok 4 - core headers included by path outside the core:"
	echo "$found" | sed 's/^/# /'
	failed=1
fi
exit $failed
