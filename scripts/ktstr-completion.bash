# SPDX-License-Identifier: GPL-2.0
# bash completion for ktstr. Commands, options and scenario names come from
# ktstr itself (--help, list), so they follow the installed version.
_ktstr() {
	local cur=${COMP_WORDS[COMP_CWORD]} k=${COMP_WORDS[0]} cmd=${COMP_WORDS[1]} words=
	local cmds
	cmds=$("$k" --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on && !NF { exit } on { print $1 }')
	if [ "$COMP_CWORD" -eq 1 ]; then
		words="$cmds help --help --version"
	elif [ "$cmd" = help ]; then
		[ "$COMP_CWORD" -eq 2 ] && words=$cmds
	elif [ "${cur#-}" != "$cur" ]; then
		words=$("$k" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
	else
		case $cmd in
		run|gauntlet|show-thresholds)
			words=$("$k" list 2>/dev/null | awk '{ print $1 }') ;;
		kernel)
			[ "$COMP_CWORD" -eq 2 ] && words="list fetch" ;;
		esac
	fi
	# shellcheck disable=SC2207
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _ktstr ktstr
