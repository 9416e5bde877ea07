# Rich (boolean) dependencies as rpm writes them in primary.xml: or, if, unless, and a rich conflict.
feature complex_deps
repo system 0 empty
repo available 0 testtags <inline>
#>=Pkg: app 1 1 noarch
#>=Req: (libfoo >= 2 | libbar)
#>=Req: (gui-plugin <IF> gui)
#>=Req: (cli-plugin <UNLESS> gui)
#>=Pkg: libfoo 1 1 noarch
#>=Pkg: libbar 1 1 noarch
#>=Pkg: gui 1 1 noarch
#>=Pkg: gui-plugin 1 1 noarch
#>=Pkg: cli-plugin 1 1 noarch
#>=Pkg: picky 1 1 noarch
#>=Con: (libbar & cli-plugin)
system x86_64 rpm system
job install name app
result transaction,problems <inline>
#>install app-1-1.noarch@available
#>install cli-plugin-1-1.noarch@available
#>install libbar-1-1.noarch@available
nextjob
job install name app
job install name gui
result transaction,problems <inline>
#>problem ece79439 info package app-1-1.noarch requires (cli-plugin unless gui), but none of the providers can be installed
#>problem ece79439 solution 85713668 deljob install name gui
#>problem ece79439 solution 92446d57 deljob install name app
nextjob
job install name app
job install name picky
result transaction,problems <inline>
#>problem 54dd088b info package picky-1-1.noarch conflicts with (libbar and cli-plugin) provided by <NULL>
#>problem 54dd088b solution 92446d57 deljob install name app
#>problem 54dd088b solution d73ec831 deljob install name picky
