#!/usr/bin/env bash
# check-docs.sh: the documentation's own test (bash, no network).
#
#   bash test/scripts/check-docs.sh        (from any directory; any user)
#
# Fails (exit 1) when
#   - README.md is 20480 bytes or more (it is the front door; the reference is in docs/), or
#   - a relative Markdown link in README.md, docs/*.md or test/README.md points to a file that
#     does not exist, or to a heading anchor (#...) that the target Markdown file does not have.
# Anchors follow GitHub's rules: the heading's text (inline links reduced to their text),
# lowercased, every character that is not a letter, digit, space, "-" or "_" dropped, each space
# turned into "-"; a repeated heading gets "-1", "-2"... HTML anchors (<a name="..."> or
# id="...") count too. Links to other schemes (https:, mailto:) are not followed. Fenced code
# blocks and inline code spans are skipped. Every problem is printed as file:line: target: why.
set -euo pipefail
export LC_ALL=C.UTF-8

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"

README_LIMIT=20480
problems=0
links=0

problem() {
	echo "check-docs: $*"
	problems=$((problems + 1))
}

# The anchors of a Markdown file, one a line.
anchors() {
	awk '
		/^ ? ? ?(```|~~~)/ { fence = !fence; next }
		fence { next }
		/^ ? ? ?(#|##|###|####|#####|######)([ \t]|$)/ {
			h = $0
			sub(/^ ? ? ?#+[ \t]*/, "", h)
			sub(/[ \t]+#+[ \t]*$/, "", h)	# closing hashes
			sub(/[ \t]+$/, "", h)
			print "H\t" h
		}
		{
			line = $0
			while (match(line, /<a[^>]*(name|id)="[^"]*"/)) {
				a = substr(line, RSTART, RLENGTH)
				sub(/.*(name|id)="/, "", a)
				sub(/"$/, "", a)
				print "A\t" a
				line = substr(line, RSTART + RLENGTH)
			}
		}
	' "$1" | while IFS=$'\t' read -r kind text; do
		if [ "$kind" = A ]; then
			printf '%s\n' "$text"
		else
			# [text](url) -> text; lowercase; keep letters, digits, space, - and _; space -> -
			printf '%s\n' "$text" | sed -E 's/!?\[([^]]*)\]\([^)]*\)/\1/g; s/.*/\L&/; s/[^[:alnum:] _-]//g; s/ /-/g'
		fi
	done | awk '{ n = seen[$0]++; if (n) print $0 "-" n; else print $0 }'
}

# The link targets of a Markdown file: "line<TAB>target", one a line.
link_targets() {
	awk '
		/^ ? ? ?(```|~~~)/ { fence = !fence; next }
		fence { next }
		{
			line = $0
			gsub(/`[^`]*`/, "", line)	# inline code spans
			if (match(line, /^ ? ? ?\[[^]]+\]:[ \t]*[^ \t]+/)) {	# reference definition
				t = line
				sub(/^ ? ? ?\[[^]]+\]:[ \t]*/, "", t)
				sub(/[ \t].*/, "", t)
				print NR "\t" t
				next
			}
			while (match(line, /\]\([^)]*\)/)) {
				t = substr(line, RSTART + 2, RLENGTH - 3)
				line = substr(line, RSTART + RLENGTH)
				sub(/^[ \t]+/, "", t)
				sub(/[ \t]+"[^"]*"$/, "", t)	# a title
				sub(/^</, "", t); sub(/>$/, "", t)
				print NR "\t" t
			}
		}
	' "$1"
}

size=$(wc -c <README.md)
if [ "$size" -ge "$README_LIMIT" ]; then
	problem "README.md: $size bytes; it must stay under $README_LIMIT (move reference material to docs/)"
fi

files=(README.md)
for f in docs/*.md test/README.md; do
	[ -e "$f" ] && files+=("$f")
done

declare -A anchor_cache=()
for f in "${files[@]}"; do
	dir=$(dirname "$f")
	while IFS=$'\t' read -r lineno target; do
		[ -n "$target" ] || continue
		case "$target" in
			[a-zA-Z]*:*|//*) continue ;;	# https:, mailto:, protocol-relative: not followed
		esac
		links=$((links + 1))
		path=${target%%#*}
		anchor=
		[ "$path" != "$target" ] && anchor=${target#*#}
		if [ -z "$path" ]; then
			resolved=$f
		elif [ "${path#/}" != "$path" ]; then
			resolved=${path#/}	# GitHub resolves /x from the repository's root
		else
			resolved=$dir/$path
		fi
		if [ ! -e "$resolved" ]; then
			problem "$f:$lineno: $target: no such file ($resolved)"
			continue
		fi
		[ -n "$anchor" ] || continue
		case "$resolved" in
			*.md) ;;
			*) problem "$f:$lineno: $target: an anchor into a file that is not Markdown"; continue ;;
		esac
		key=$(realpath -m "$resolved")
		if [ -z "${anchor_cache[$key]+x}" ]; then
			anchor_cache[$key]=$(anchors "$resolved")
		fi
		if ! grep -qxF -- "$anchor" <<<"${anchor_cache[$key]}"; then
			problem "$f:$lineno: $target: $resolved has no heading with anchor #$anchor"
		fi
	done < <(link_targets "$f")
done

if [ "$problems" -ne 0 ]; then
	echo "check-docs: FAILED: $problems problem(s); README.md $size bytes; $links relative links in ${#files[@]} files"
	exit 1
fi
echo "check-docs: OK: README.md $size bytes (< $README_LIMIT); $links relative links in ${#files[@]} files resolve"
