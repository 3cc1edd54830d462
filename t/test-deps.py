#!/usr/bin/python3
"""Every program and Perl/Python module a test or benchmark script uses comes
from a Debian package that build-aux/deps.sh installs for that script, so a
fresh Debian 12 machine passes `make check` (and runs `make bench`) with what
deps.sh installs, whatever this machine happens to have already.

For each script named in deps.sh's SCRIPT_DEPS table (every script in t/ and
bench/ must be named there) it finds:
  - the programs: every word of the script (comments left out) that is an
    executable in /usr/bin, /usr/sbin, /bin, /sbin or PostgreSQL's bin
    folder (where a fresh machine has it), or an absolute path to one;
  - the Python modules: `import X` / `from X import` lines;
  - the Perl modules: `perl -MX`, `use X;`, and those swaks needs for
    STARTTLS (Net::SSLeay, IO::Socket::SSL) when it runs swaks with --tls;
and checks that the Debian package owning each (dpkg -S) is installed by
deps.sh for the script, for the files it sources, for t/test-env or for the
build and run groups, or is pulled in by one of them (Depends, Pre-Depends),
or belongs to every Debian system (Essential, or Priority required).
Prints one "not ok" line per script with each finding, and a closing
"N passed, N failed" line.
"""
import os
import re
import subprocess
import sys

TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPS = os.path.join(TOP, "build-aux", "deps.sh")
PGBIN = os.environ.get("PG_BINDIR") or "/usr/lib/postgresql/15/bin"
PROGRAM_DIRS = ["/usr/bin", "/usr/sbin", "/bin", "/sbin", PGBIN]
BENCH_SCRIPTS = ["bench/ingest", "bench/dkim", "bench/rules", "bench/snooze"]

# Words of our scripts that are English or shell syntax, never a program run,
# so that an unrelated package installed under such a name does not count
# (HTTP methods: libwww-perl installs GET, HEAD and POST as programs).
IGNORE_WORDS = set("""host time test true false exit wait read set yes no tail head
less more run check build bench file files name names line lines info user group
mail send column join link script write open
GET HEAD POST PUT DELETE""".split())


def deps(*args):
    """Runs build-aux/deps.sh with args and returns its output lines."""
    out = subprocess.run(["sh", DEPS] + list(args), check=True, capture_output=True, text=True).stdout
    return [l for l in out.split() if l]


def sourced_by(path):
    """Files a script sources with `. "$top_srcdir/FILE"`."""
    with open(os.path.join(TOP, path), errors="replace") as f:
        return re.findall(r'^\s*\.\s+"\$top_srcdir/([^"]+)"', f.read(), re.M)


def text_without_comments(path):
    """The script's lines with shell comments removed."""
    lines = []
    with open(os.path.join(TOP, path), errors="replace") as f:
        for line in f:
            if re.match(r"\s*#", line):
                continue
            lines.append(re.sub(r"\s#.*", "", line))
    return "".join(lines)


def program_path(word):
    """Where a word would be run from on a fresh machine, or None."""
    if word in IGNORE_WORDS:
        return None
    if word.startswith("/"):
        return word if os.path.isfile(word) and os.access(word, os.X_OK) else None
    if "/" in word:
        return None
    for d in PROGRAM_DIRS:
        p = os.path.join(d, word)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def python_origin(module):
    """The file a module loads from in /usr/bin/python3: a path, "" when
    it is not found, None for the standard library or a built-in."""
    code = ("import importlib.util, sys\n"
            "s = importlib.util.find_spec(sys.argv[1])\n"
            "print(s.origin if s and s.origin else '')")
    r = subprocess.run(["/usr/bin/python3", "-c", code, module], capture_output=True, text=True)
    origin = r.stdout.strip()
    if origin in ("built-in", "frozen"):
        return None
    if origin and "-packages/" not in origin and origin.startswith("/usr/lib/python3"):
        return None
    return origin


def perl_path(module):
    """The .pm file perl loads for a module, or "" when it is missing."""
    rel = module.replace("::", "/") + ".pm"
    r = subprocess.run(["perl", "-M" + module, "-e", "print $INC{'%s'}" % rel], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""


def uses(path):
    """(programs, python modules, perl modules) a script uses."""
    text = text_without_comments(path)
    # Absolute paths anywhere; plain names where a command starts (line
    # start, after | ; & ( ` $( and after then/do/else/exec/env/nice/
    # xargs/timeout N/runuser -u U --), so words in strings and messages
    # do not count.
    words = set(re.findall(r"(?<![A-Za-z0-9_.$-])(/[A-Za-z0-9_./+-]+)", text))
    words |= set(re.findall(r"(?:^|[|;&(`]|\$\(|\b(?:then|do|else|exec|env|nice|xargs|command -v|"
                            r"timeout\s+\S+|-u\s+\S+\s+--)\s)\s*([A-Za-z][A-Za-z0-9_.+-]*)(?=\s|$|[;|&)])",
                            text, re.M))
    programs = {}
    for w in sorted(words):
        p = program_path(w)
        if p:
            programs[w] = p
    py = set(re.findall(r"^\s*import\s+([A-Za-z_][A-Za-z0-9_]*)", text, re.M))
    py |= set(re.findall(r"^\s*from\s+([A-Za-z_][A-Za-z0-9_]*)[A-Za-z0-9_.]*\s+import\b", text, re.M))
    py = sorted(py)
    perl = set(re.findall(r"perl[^|;\n]*-M([A-Za-z:]+)", text))
    perl |= set(re.findall(r"^\s*use\s+([A-Z][A-Za-z:]+)", text, re.M))
    if re.search(r"\bswaks\b", text) and re.search(r"(^|\s)--?(tls|tlsc|tls-on-connect|tlso)\b", text, re.M):
        perl |= {"Net::SSLeay", "IO::Socket::SSL"}
    return programs, py, sorted(perl)


def variants(path):
    """The names dpkg may know a file by: as given, its real path, and
    with or without /usr (Debian 12 merged /bin into /usr/bin, but the
    packages still list many files under /bin)."""
    out = []
    for p in (path, os.path.realpath(path)):
        out.append(p)
        if p.startswith("/usr/"):
            out.append(p[4:])
        elif p.startswith(("/bin/", "/sbin/", "/lib/")):
            out.append("/usr" + p)
    return out


def owners(paths):
    """Maps each path (under any of its variants) to its package."""
    result = {}
    want = sorted({v for p in paths for v in variants(p)})
    if not want:
        return result
    r = subprocess.run(["dpkg", "-S"] + want, capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("diversion by"):
            continue
        pkgs, _, path = line.partition(": ")
        if path in want and path not in result:
            result[path] = pkgs.split(",")[0].split(":")[0].strip()
    return {p: next((result[v] for v in variants(p) if v in result), None) for p in paths}


def package_table():
    """(dependencies of each installed package, packages every system has)."""
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Essential}\t${Priority}\t${Depends}, ${Pre-Depends}\n"],
                         capture_output=True, text=True, check=True).stdout
    depends, base = {}, set()
    for line in out.splitlines():
        name, essential, priority, dep = line.split("\t")
        if essential == "yes" or priority == "required":
            base.add(name)
        names = set()
        for alt in re.split(r"[,|]", dep):
            alt = re.sub(r"\(.*?\)|:any", "", alt).strip()
            if alt:
                names.add(alt)
        depends[name] = names
    # Virtual packages: a name provided by an installed package.
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Provides}\n"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        name, provides = line.split("\t")
        for v in provides.split(","):
            v = re.sub(r"\(.*?\)", "", v).strip()
            if v:
                depends.setdefault(v, set()).add(name)
    return depends, base


def closure(roots, depends):
    """The roots and everything they pull in."""
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo.extend(depends.get(p, ()))
    return seen


def main():
    failed = passed = 0
    named = deps("--scripts")
    on_disk = [os.path.relpath(os.path.join(d, f), TOP)
               for d in (os.path.join(TOP, "t"),) for f in sorted(os.listdir(d))
               if f.endswith(".sh") or f.endswith(".py") or f == "test-env"]
    on_disk += [b for b in BENCH_SCRIPTS if os.path.exists(os.path.join(TOP, b))]
    for rel in on_disk:
        if rel not in named:
            print("not ok - %s is not named in build-aux/deps.sh's SCRIPT_DEPS table" % rel)
            failed += 1
    for rel in named:
        if not os.path.exists(os.path.join(TOP, rel)):
            print("not ok - build-aux/deps.sh names %s, which does not exist" % rel)
            failed += 1
    named = [r for r in named if os.path.exists(os.path.join(TOP, r))]

    depends, base = package_table()
    common = set(deps("--list", "build", "run")) | set(deps("--list-for", "t/test-env", "t/pg-cluster.sh"))
    # This checker names the patterns it looks for, so it is not read itself.
    found = {rel: uses(rel) if rel != "t/test-deps.py" else ({}, [], []) for rel in named}
    all_paths = []
    py_origin, pl_path = {}, {}
    for rel, (programs, py, perl) in found.items():
        all_paths += programs.values()
        for m in py:
            if m not in py_origin:
                py_origin[m] = python_origin(m)
                if py_origin[m]:
                    all_paths.append(py_origin[m])
        for m in perl:
            if m not in pl_path:
                pl_path[m] = perl_path(m)
                if pl_path[m]:
                    all_paths.append(pl_path[m])
    owner = owners(all_paths)

    for rel in named:
        files, todo = [], [rel]
        while todo:
            f = todo.pop()
            if f not in files:
                files.append(f)
                todo += sourced_by(f)
        allowed = closure(common | set(deps("--list-for", *files)), depends) | base
        problems = []
        programs, py, perl = found[rel]
        for word, path in programs.items():
            pkg = owner.get(path)
            if not pkg:
                problems.append("runs %s (%s), which no Debian package owns" % (word, path))
            elif pkg not in allowed:
                problems.append("runs %s (%s, package %s), which build-aux/deps.sh does not install for it"
                                % (word, path, pkg))
        for m in py:
            origin = py_origin[m]
            if origin is None:
                continue
            if origin == "":
                problems.append("imports Python module %s, which /usr/bin/python3 cannot find" % m)
            elif owner.get(origin) not in allowed:
                problems.append("imports Python module %s (%s, package %s), which build-aux/deps.sh does not "
                                "install for it" % (m, origin, owner.get(origin)))
        for m in perl:
            path = pl_path[m]
            if not path:
                problems.append("needs Perl module %s, which is not installed (build-aux/deps.sh must install "
                                "its package for this script)" % m)
            elif owner.get(path) not in allowed:
                problems.append("needs Perl module %s (%s, package %s), which build-aux/deps.sh does not "
                                "install for it" % (m, path, owner.get(path)))
        if problems:
            print("not ok - %s" % rel)
            for p in problems:
                print("#   " + p)
            failed += 1
        else:
            print("ok - %s" % rel)
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
