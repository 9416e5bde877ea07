# Install with dependencies across noarch and x86_64; the higher priority repository wins
# over a newer version elsewhere.
repo system 0 empty
repo main 99 testtags <inline>
#>=Pkg: app 1.0 1 x86_64
#>=Req: libfoo >= 2
#>=Req: /usr/bin/tool
#>=Pkg: libfoo 2.0 1 noarch
#>=Pkg: libfoo 1.0 1 noarch
#>=Pkg: tools 1 1 x86_64
#>=Fls: /usr/bin/tool
#>=Pkg: tools 1 1 i686
#>=Fls: /usr/bin/tool
repo extra 10 testtags <inline>
#>=Pkg: libfoo 3.0 1 noarch
system x86_64 rpm system
job install name app
result transaction,problems <inline>
#>install app-1.0-1.x86_64@main
#>install libfoo-2.0-1.noarch@main
#>install tools-1-1.x86_64@main
