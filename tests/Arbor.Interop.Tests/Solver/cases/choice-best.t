# Choosing between equal providers (libsolv's policy decides, the same way every time) and
# forcebest: when the best candidate is broken, the job fails instead of taking an older one.
repo system 0 empty
repo available 0 testtags <inline>
#>=Pkg: app 1 1 noarch
#>=Req: mta
#>=Pkg: postfix 1 1 noarch
#>=Prv: mta
#>=Pkg: exim 1 1 noarch
#>=Prv: mta
#>=Pkg: tool 1 1 noarch
#>=Pkg: tool 2 1 noarch
#>=Req: missing-lib
system x86_64 rpm system
job install name app
job install name tool
result transaction,problems <inline>
#>install app-1-1.noarch@available
#>install exim-1-1.noarch@available
#>install tool-1-1.noarch@available
nextjob
job install name tool [forcebest]
result transaction,problems <inline>
#>problem 86737420 info nothing provides missing-lib needed by tool-2-1.noarch
#>problem 86737420 solution c1c93bf4 deljob install name tool [forcebest]
