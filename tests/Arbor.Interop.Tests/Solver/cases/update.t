# Update every package: rpm's version order (1.a < 1.1, 1.0~rc1 < 1.0, 1.0^post > 1.0, epochs
# first) decides what is newer.
repo system 0 testtags <inline>
#>=Pkg: a 1.a 1 noarch
#>=Pkg: tilde 1.0~rc1 1 noarch
#>=Pkg: caret 1.0 1 noarch
#>=Pkg: epoch 1:1.0 1 noarch
#>=Pkg: same 2 1 noarch
repo available 0 testtags <inline>
#>=Pkg: a 1.1 1 noarch
#>=Pkg: tilde 1.0 1 noarch
#>=Pkg: caret 1.0^post1 1 noarch
#>=Pkg: epoch 9.0 1 noarch
#>=Pkg: same 1 9 noarch
system x86_64 rpm system
job update all packages
result transaction,problems <inline>
#>upgrade a-1.a-1.noarch@system a-1.1-1.noarch@available
#>upgrade caret-1.0-1.noarch@system caret-1.0^post1-1.noarch@available
#>upgrade tilde-1.0~rc1-1.noarch@system tilde-1.0-1.noarch@available
