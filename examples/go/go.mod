module example.com/karpenter-solver-example

go 1.21
