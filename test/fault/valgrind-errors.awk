# valgrind-errors.awk: summarise Memcheck logs (test/fault/faults.sh, scenario 2).
#
#   VG_OURS='pg_capacity\.so|\((persist|sampler)\.c:[0-9]+\)' \
#       awk -v ours_out=FILE -v others_out=FILE2 -f valgrind-errors.awk valgrind.*.log
#
# VG_OURS (from the environment: no escape processing) is a regular
# expression matching a stack frame of the code under test.
#
# An error report is a line at column 0 (after the "==PID== " prefix) and
# the indented lines that follow it, up to the next empty line: the stack
# ("at", "by") and the address's description with its own stacks.  Blocks
# that start with "Warning:" are valgrind's notices, not errors.
# Prints one line per kind of error: "<total>\t<with a frame matching ours>\t<kind>",
# appends every report whose stacks match ours, in full, to ours_out, and
# the other reports to others_out.

function kind_of(line) {
	if (line ~ /^Invalid read/) return "Invalid read"
	if (line ~ /^Invalid write/) return "Invalid write"
	if (line ~ /^Invalid free/) return "Invalid free"
	if (line ~ /^Mismatched free/) return "Mismatched free"
	if (line ~ /^Conditional jump/) return "Conditional jump on uninitialised value"
	if (line ~ /^Use of uninitialised/) return "Use of uninitialised value"
	if (line ~ /^Syscall param .*uninitialised/) {
		sub(/ points to.*/, "", line)
		return line " uninitialised"
	}
	if (line ~ /^Syscall param .*unaddressable/) {
		sub(/ points to.*/, "", line)
		return line " unaddressable"
	}
	if (line ~ /^Source and destination overlap/) return "Overlapping memcpy/strcpy"
	if (line ~ /fishy/) return "Fishy argument"
	if (line ~ /^Jump to the invalid address/) return "Jump to an invalid address"
	if (line ~ /^Process terminating/) return "Process terminated by a signal"
	return substr(line, 1, 60)
}

function flush() {
	if (block != "" && !notice) {
		total[kind]++
		if (mine) {
			theirs[kind]++
			print "---- " src "\n" block "\n" > ours_out
		} else
			print "---- " src "\n" block "\n" > others_out
	}
	block = ""; notice = 0; mine = 0
}

BEGIN { ours = ENVIRON["VG_OURS"]; if (ours == "") ours = "pg_capacity" }

FNR == 1 { flush(); src = FILENAME }

{
	line = $0
	if (line !~ /^==[0-9]+==/) next		# not valgrind's (should not happen with --log-file)
	sub(/^==[0-9]+== ?/, "", line)
}

line == "" { flush(); next }

# column 0: the first line of a report (or of a notice)
line !~ /^ / {
	if (block != "") flush()
	block = line
	notice = (line ~ /^(Warning|WARNING|Note|HINT)/)
	kind = kind_of(line)
	next
}

block != "" {
	block = block "\n" line
	if (line ~ ours) mine = 1
}

END {
	flush()
	for (k in total) printf "%d\t%d\t%s\n", total[k], theirs[k] + 0, k
}
