# Recommends pull packages in, Supplements are pulled in by what they supplement, and both are
# dropped when recommended packages are ignored (dnf's install_weak_deps=False).
repo system 0 empty
repo available 0 testtags <inline>
#>=Pkg: app 1 1 noarch
#>=Rec: helper
#>=Pkg: helper 1 1 noarch
#>=Pkg: langpack 1 1 noarch
#>=Sup: app
#>=Pkg: unwanted 1 1 noarch
#>=Rec: app
system x86_64 rpm system
job install name app
result transaction,problems <inline>
#>install app-1-1.noarch@available
#>install helper-1-1.noarch@available
#>install langpack-1-1.noarch@available
nextjob
solverflags ignorerecommended
job install name app
result transaction,problems <inline>
#>install app-1-1.noarch@available
