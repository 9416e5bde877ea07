# Distribution upgrade: packages follow the repository even downwards, and an installed package
# the repository no longer has stays (libdnf keeps orphans).
repo system 0 testtags <inline>
#>=Pkg: down 2 1 noarch
#>=Pkg: up 1 1 noarch
#>=Pkg: orphan 1 1 noarch
repo available 0 testtags <inline>
#>=Pkg: down 1 1 noarch
#>=Pkg: up 2 1 noarch
system x86_64 rpm system
solverflags keeporphans
job distupgrade all packages
result transaction,problems <inline>
#>downgrade down-2-1.noarch@system down-1-1.noarch@available
#>upgrade up-1-1.noarch@system up-2-1.noarch@available
