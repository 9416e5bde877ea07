# Erase packages; with cleandeps their now unneeded dependencies go too, but not one another
# installed package still needs. Erasing a package something installed requires is a problem
# whose solutions are erasing the dependent too or dropping the job.
repo system 0 testtags <inline>
#>=Pkg: app 1 1 noarch
#>=Req: lib
#>=Pkg: lib 1 1 noarch
#>=Req: libdep
#>=Pkg: libdep 1 1 noarch
#>=Pkg: plugin 1 1 noarch
#>=Req: app
#>=Pkg: other 1 1 noarch
#>=Req: libdep
system x86_64 rpm system
job erase name app [cleandeps]
job erase name plugin
result transaction,problems <inline>
#>erase app-1-1.noarch@system
#>erase lib-1-1.noarch@system
#>erase plugin-1-1.noarch@system
nextjob
job erase name app
result transaction,problems <inline>
#>problem e83aceaf info package plugin-1-1.noarch requires app, but none of the providers can be installed
#>problem e83aceaf solution 10eed0b2 erase plugin-1-1.noarch@system
#>problem e83aceaf solution d62e054b deljob erase name app
