# Unsolvable requests and libsolv's proposed solutions: nothing provides, conflicts, and a
# conflict with an installed package that may only be solved by removing it.
repo system 0 testtags <inline>
#>=Pkg: installed 1 1 noarch
repo available 0 testtags <inline>
#>=Pkg: broken 1 1 noarch
#>=Req: nothing-here
#>=Pkg: left 1 1 noarch
#>=Con: right
#>=Pkg: right 1 1 noarch
#>=Pkg: rival 1 1 noarch
#>=Con: installed
system x86_64 rpm system
job install name broken
job install name left
job install name right
job install name rival
result transaction,problems <inline>
#>problem 984476e8 info package left-1-1.noarch conflicts with right provided by right-1-1.noarch
#>problem 984476e8 solution 16b5878f deljob install name right
#>problem 984476e8 solution 63e12911 deljob install name left
#>problem bd9794ca info package rival-1-1.noarch conflicts with installed provided by installed-1-1.noarch
#>problem bd9794ca solution 214f5d5c erase installed-1-1.noarch@system
#>problem bd9794ca solution 596013f0 deljob install name rival
#>problem e049b46a info nothing provides nothing-here needed by broken-1-1.noarch
#>problem e049b46a solution d280a3d1 deljob install name broken
