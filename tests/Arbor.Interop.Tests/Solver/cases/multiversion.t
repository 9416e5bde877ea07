# installonly packages (the kernel): installing a new version keeps the old one next to it;
# updating all packages does the same.
repo system 0 testtags <inline>
#>=Pkg: kernel 6.1 1 x86_64
#>=Prv: installonlypkg(kernel)
repo available 0 testtags <inline>
#>=Pkg: kernel 6.2 1 x86_64
#>=Prv: installonlypkg(kernel)
system x86_64 rpm system
job multiversion provides installonlypkg(kernel)
job install pkg kernel-6.2-1.x86_64@available
result transaction,problems <inline>
#>install kernel-6.2-1.x86_64@available
nextjob
job multiversion provides installonlypkg(kernel)
job update all packages
result transaction,problems <inline>
#>install kernel-6.2-1.x86_64@available
