# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the bench scripts (sourced).
# median: of the numbers on stdin, one a line ("nan" for none).
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# ratio A B: A/B with two decimals, "n/a" unless both are positive numbers.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
