# A locked installed package is neither updated nor removed; installing something that needs a
# newer version of it is a problem; a locked uninstalled package cannot be installed.
repo system 0 testtags <inline>
#>=Pkg: base 1 1 noarch
repo available 0 testtags <inline>
#>=Pkg: base 2 1 noarch
#>=Pkg: needsnew 1 1 noarch
#>=Req: base >= 2
#>=Pkg: forbidden 1 1 noarch
system x86_64 rpm system
job lock name base
job lock name forbidden
job install name needsnew
job install name forbidden
result transaction,problems <inline>
#>problem bd52035c info package needsnew-1-1.noarch requires base >= 2, but none of the providers can be installed
#>problem bd52035c solution 98d39494 deljob install name needsnew
#>problem bd52035c solution a675aed1 deljob lock name base
#>problem cb4a5cdb info conflicting requests
#>problem cb4a5cdb solution b3abf754 deljob lock name forbidden
#>problem cb4a5cdb solution dfc53e1d deljob install name forbidden
