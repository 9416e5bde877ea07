#!/usr/bin/env python3
# make-synthetic-testcase.py [N] > FILE.t
# A deterministic synthetic rpm repository of N packages (default 20000) written as one libsolv
# testcase file (repository inline as testtags), for timing solvers on a large dependency web:
# bench/solve.sh runs Arbor's `arbor rpm testsolv` and Debian's `testsolv` on the same file.
#
# The web imitates a distribution: packages are laid out in layers (core libraries at the bottom,
# libraries, tools, applications, a thin layer of meta packages on top); each package requires a
# few packages of lower layers, by soname provide ("libN.so.M()(64bit)"), by name, by versioned
# name ("name >= V"), by file path (satisfied only through another package's file list, so
# libsolv's file provides are in play) or by a virtual provide several packages offer (a choice).
# About a tenth of the packages exist in two or three versions (the solver must pick the best);
# some replace a retired name through Obsoletes; a few conflict with a package of another layer
# or with old versions of a package; noarch data packages hang off applications. A small
# installed system (@System, older versions of some core packages) makes part of the transaction
# upgrades. The job installs the meta packages plus a sample of applications, as a compose's
# package list would. The result block is left for the caller (`testsolv -r` prints it).
#
# Everything comes from random.Random(seed): the same N gives the same file, byte for byte.
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
rng = random.Random(0x5EED0000 + n)

# Layer boundaries as fractions of n: core, libs, tools, apps, data (noarch), meta.
bounds = [0.02, 0.40, 0.62, 0.90, 0.995, 1.0]
layer_of = []
start = 0
for li, frac in enumerate(bounds):
    end = max(start + 1, int(n * frac)) if li < len(bounds) - 1 else n
    layer_of += [li] * (end - start)
    start = end
CORE, LIB, TOOL, APP, DATA, META = range(6)
prefix = {CORE: "core", LIB: "lib", TOOL: "tool", APP: "app", DATA: "data", META: "meta"}
names = [f"{prefix[layer_of[i]]}{i:05d}" for i in range(n)]
by_layer = {li: [i for i in range(n) if layer_of[i] == li] for li in range(6)}

# Versions: a major.minor.patch per package; some packages in several versions (older first).
versions = []
for i in range(n):
    base = (rng.randint(0, 9), rng.randint(0, 30), rng.randint(0, 99))
    k = rng.choices([1, 2, 3], weights=[88, 10, 2])[0]
    vs = []
    for j in range(k):
        vs.append((f"{base[0]}.{base[1]}.{base[2] + j}", str(rng.randint(1, 5))))
    versions.append(vs)

# Sonames for libraries (core and lib layers), file paths for tools and a few apps.
soname = {i: f"lib{names[i]}.so.{rng.randint(0, 9)}()(64bit)" for i in by_layer[CORE] + by_layer[LIB]}
files = {}
for i in by_layer[TOOL] + rng.sample(by_layer[APP], len(by_layer[APP]) // 10):
    files[i] = [f"/usr/bin/{names[i]}", f"/usr/share/man/man1/{names[i]}.1.gz"]

# Virtual provides offered by several packages of one layer: requirers get a choice.
virtuals = []
for v in range(max(1, n // 200)):
    layer = rng.choice([LIB, TOOL, APP])
    providers = rng.sample(by_layer[layer], rng.randint(2, 4))
    virtuals.append((f"virtual-{v:04d}", layer, providers))
virtual_provides = {}
for vname, _, providers in virtuals:
    for p in providers:
        virtual_provides.setdefault(p, []).append(vname)

# Retired names: some packages obsolete an old name (and provide it), so requires on it still resolve.
retired = {}
for i in rng.sample(range(n), n // 50):
    retired[i] = f"{names[i]}-legacy"


def lower_layers(layer):
    return [li for li in range(layer) if li != DATA] if layer != DATA else [CORE]


def pick_requires(i):
    layer = layer_of[i]
    reqs = []
    if layer == CORE:
        # Core packages depend on earlier core packages only (an acyclic base) and rarely.
        if i > 0:
            for t in rng.sample(range(0, i), min(i, rng.randint(0, 2))):
                reqs.append(soname[t])
        return reqs
    if layer == DATA:
        return []
    count = {LIB: (1, 4), TOOL: (2, 6), APP: (3, 9), META: (5, 15)}[layer]
    pool_layers = lower_layers(layer)
    for _ in range(rng.randint(*count)):
        li = rng.choices(pool_layers, weights=[1 if l == CORE else 3 for l in pool_layers])[0]
        # Bias toward low indices of a layer: popular libraries are required by many.
        members = by_layer[li]
        t = members[min(len(members) - 1, int(rng.paretovariate(1.2)) - 1 + rng.randrange(len(members)) // 8)]
        if t == i:
            continue
        kind = rng.random()
        if t in soname and kind < 0.55:
            reqs.append(soname[t])
        elif kind < 0.75:
            v, _ = versions[t][0]
            reqs.append(f"{names[t]} >= {v}")
        elif t in files and kind < 0.85:
            reqs.append(files[t][0])
        else:
            reqs.append(names[t])
    if rng.random() < 0.08:
        candidates = [v for v in virtuals if v[1] < layer or (layer == META and v[1] <= APP)]
        if candidates:
            reqs.append(rng.choice(candidates)[0])
    if rng.random() < 0.05 and retired:
        t = rng.choice(list(retired))
        if layer_of[t] < layer:
            reqs.append(retired[t])
    if layer == APP and rng.random() < 0.3:
        reqs.append(names[rng.choice(by_layer[DATA])])
    # A few same-layer requires make dependency cycles, as real distributions have.
    if layer in (LIB, TOOL) and rng.random() < 0.01:
        t = rng.choice(by_layer[layer])
        if t != i:
            reqs.append(names[t])
    return sorted(set(reqs))


requires = [pick_requires(i) for i in range(n)]

conflicts = {}
for i in rng.sample(range(n), n // 400):
    if layer_of[i] == CORE:
        continue
    # Either old versions of a lower-layer package (harmless with the newest) or an
    # unrelated package of the top layers nothing requires (a "-compat" twin).
    if rng.random() < 0.7:
        t = rng.choice(by_layer[rng.choice(lower_layers(layer_of[i]))])
        conflicts.setdefault(i, []).append(f"{names[t]} < {versions[t][0][0]}")
twins = []
for i in rng.sample(by_layer[APP], max(1, n // 1000)):
    twins.append(i)

out = sys.stdout
w = out.write


def pkg(name, ver, rel, arch, reqs=(), prvs=(), obs=(), cons=(), fls=()):
    w(f"#>=Pkg: {name} {ver} {rel} {arch}\n")
    for r in reqs:
        w(f"#>=Req: {r}\n")
    for p in prvs:
        w(f"#>=Prv: {p}\n")
    for o in obs:
        w(f"#>=Obs: {o}\n")
    for c in cons:
        w(f"#>=Con: {c}\n")
    for f in fls:
        w(f"#>=Fls: {f}\n")


# The installed system: every core package one patch release older than the repository's
# oldest, so versioned requires on them turn into upgrades.
w("repo system 0 testtags <inline>\n")
for i in by_layer[CORE]:
    v, r = versions[i][0]
    major, minor, patch = v.split(".")
    older = f"{major}.{minor}.{int(patch) - 1}" if int(patch) > 0 else f"{major}.{minor}"
    pkg(names[i], older, r, "x86_64", reqs=requires[i], prvs=[soname[i]])

w("repo available 0 testtags <inline>\n")
for i in range(n):
    layer = layer_of[i]
    arch = "noarch" if layer in (DATA, META) else "x86_64"
    for v, r in versions[i]:
        prvs = []
        if i in soname:
            prvs.append(soname[i])
        prvs += virtual_provides.get(i, [])
        obs = []
        if i in retired:
            prvs.append(f"{retired[i]} = {v}-{r}")
            obs.append(f"{retired[i]} < {v}-{r}")
        pkg(names[i], v, r, arch, reqs=requires[i], prvs=prvs, obs=obs, cons=conflicts.get(i, []),
            fls=files.get(i, []))
for i in twins:
    v, r = versions[i][-1]
    pkg(names[i] + "-compat", v, r, "x86_64", reqs=requires[i], cons=[names[i]])

w("system x86_64 rpm system\n")
wanted = by_layer[META] + rng.sample(by_layer[APP], min(len(by_layer[APP]), max(1, n // 100)))
for i in sorted(wanted):
    w(f"job install name {names[i]}\n")
w("result transaction,problems <inline>\n")
