# bash completion for maildeskctl(1). The commands and their options are read
# from `maildeskctl --help`, so the completion always matches the installed
# program. Installed as share/bash-completion/completions/maildeskctl.

# The help's command lines ("  queue hold ID | --all-deferred"), cached.
_maildeskctl_commands()
{
	if [[ -z ${_maildeskctl_help-} ]]; then
		_maildeskctl_help=$("${1:-maildeskctl}" --help 2>/dev/null | sed -n 's/^  \([a-z]\)/\1/p')
	fi
	printf '%s\n' "$_maildeskctl_help"
}

_maildeskctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]}
	local i words=() line cmd matched="" candidates=""

	# The command words typed so far, without -c FILE.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c) ((i++)) ;;
		-*) ;;
		*) words+=("${COMP_WORDS[i]}") ;;
		esac
	done
	if [[ ${COMP_WORDS[COMP_CWORD - 1]} == -c ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	while IFS= read -r line; do
		# "queue hold ID | --all" -> command words "queue hold".
		cmd=$(printf '%s\n' "$line" | awk '{ for (i = 1; i <= NF; i++) { if ($i !~ /^[a-z][a-z-]*$/) break; printf "%s%s", (i > 1 ? " " : ""), $i } }')
		local -a cw=($cmd)
		local n=${#words[@]} ok=1 j
		for ((j = 0; j < n && j < ${#cw[@]}; j++)); do
			[[ ${cw[j]} == "${words[j]}" ]] || { ok=0; break; }
		done
		((ok)) || continue
		if ((n < ${#cw[@]})); then
			candidates+=" ${cw[n]}"
		else
			matched+=" $(printf '%s\n' "$line" | grep -o -- '--[a-z][a-z-]*' | tr '\n' ' ')"
		fi
	done < <(_maildeskctl_commands "$prog")
	if [[ $cur == -* || -z $candidates ]]; then
		COMPREPLY=($(compgen -W "$matched" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$(printf '%s\n' $candidates | sort -u)" -- "$cur"))
	fi
}
complete -F _maildeskctl maildeskctl
