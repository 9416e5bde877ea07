# A renamed package obsoletes the old name: updating replaces the installed one; with yum's
# obsoletes rule (libdnf sets it) the obsoleting package is picked over the old name's update.
repo system 0 testtags <inline>
#>=Pkg: oldname 1 1 noarch
repo available 0 testtags <inline>
#>=Pkg: oldname 1.5 1 noarch
#>=Pkg: newname 2 1 noarch
#>=Prv: oldname = 2
#>=Obs: oldname < 2
system x86_64 rpm system
solverflags yumobsoletes
job update all packages
result transaction,problems <inline>
#>erase oldname-1-1.noarch@system newname-2-1.noarch@available
#>install newname-2-1.noarch@available
