# md2man.awk: docs/ecirun.8.md -> man(7) roff, at build time (no converter to install).
# Handles the subset that page uses: "# name(8) — summary", "## SECTION", paragraphs, "- " lists,
# definition lists (a line of `term` followed by ": text" and indented continuation lines),
# ``` code blocks, `code`, **bold** and [text](target) links.
#   awk -v version=0.1.0 -v date=2026-12-01 -f md2man.awk ecirun.8.md > ecirun.8

# Text for roff: backslashes escaped, a leading . or ' neutralised.
function esc(s) {
	gsub(/\\/, "\\e", s)
	sub(/^[.']/, "\\\\\\&&", s)
	return s
}

# Inline markup of one line of prose (already escaped).
function inline(s, out, code) {
	gsub(/—/, "\\(em", s)
	while (match(s, /\[[^]]*\]\([^)]*\)/)) {
		link = substr(s, RSTART + 1, RLENGTH - 2)
		sub(/\]\(.*/, "", link)
		s = substr(s, 1, RSTART - 1) link substr(s, RSTART + RLENGTH)
	}
	out = ""
	while (match(s, /`[^`]*`/)) {
		code = substr(s, RSTART + 1, RLENGTH - 2)
		gsub(/-/, "\\-", code)
		out = out substr(s, 1, RSTART - 1) "\\fB" code "\\fR"
		s = substr(s, RSTART + RLENGTH)
	}
	s = out s
	while (match(s, /\*\*[^*]*\*\*/))
		s = substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 2, RLENGTH - 4) "\\fR" substr(s, RSTART + RLENGTH)
	return s
}

BEGIN { in_code = 0; pending_pp = 0 }

in_code {
	if ($0 ~ /^```/) {
		print ".fi"
		print ".RE"
		in_code = 0
		pending_pp = 1
		next
	}
	line = esc($0)
	gsub(/-/, "\\-", line)
	print line
	next
}

/^```/ { print ".PP"; print ".RS 4"; print ".nf"; in_code = 1; pending_pp = 0; next }

/^# / {
	title = substr($0, 3)
	name = title
	sub(/\(.*/, "", name)
	summary = title
	sub(/^[^—]*— */, "", summary)
	printf ".TH %s 8 \"%s\" \"%s %s\" \"System Administration\"\n", toupper(name), date, name, version
	print ".nh"
	print ".SH NAME"
	print name " \\- " inline(esc(summary))
	next
}

/^## / { print ".SH " toupper(substr($0, 4)); pending_pp = 0; next }

/^$/ { pending_pp = 1; in_def_text = 0; in_list = 0; next }

# A definition: the term line, then ": text".
/^`/ && !in_def_text { term = $0; getline
	if ($0 ~ /^: /) {
		print ".TP"
		print inline(esc(term))
		print inline(esc(substr($0, 3)))
		in_def_text = 1
		pending_pp = 0
		next
	}
	if (pending_pp) print ".PP"
	print inline(esc(term))
	pending_pp = 0
}

/^- / { print ".IP \\(bu 2"; print inline(esc(substr($0, 3))); in_list = 1; pending_pp = 0; next }

/^  / && (in_def_text || in_list) { s = $0; sub(/^ +/, "", s); print inline(esc(s)); next }

{
	in_def_text = 0
	in_list = 0
	if (pending_pp) print ".PP"
	pending_pp = 0
	print inline(esc($0))
}
