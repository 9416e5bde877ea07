# Architectures on x86_64: the native build is preferred over i686, noarch always fits, and
# an aarch64-only package is not installable; an installed i686 package is not switched.
repo system 0 testtags <inline>
#>=Pkg: stays 1 1 i686
repo available 0 testtags <inline>
#>=Pkg: both 1 1 x86_64
#>=Pkg: both 1 1 i686
#>=Pkg: stays 2 1 i686
#>=Pkg: stays 2 1 x86_64
#>=Pkg: anywhere 1 1 noarch
#>=Pkg: armonly 1 1 aarch64
system x86_64 rpm system
job install name both
job install name anywhere
job update all packages
result transaction,problems <inline>
#>install anywhere-1-1.noarch@available
#>install both-1-1.x86_64@available
#>upgrade stays-1-1.i686@system stays-2-1.i686@available
nextjob
job install name armonly
result transaction,problems <inline>
#>problem c43b1300 info package armonly does not exist
#>problem c43b1300 solution ef5ea4e9 deljob install name armonly
