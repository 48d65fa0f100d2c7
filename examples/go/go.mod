module github.com/sxt-auth/sxt-auth/examples/go

go 1.22

require github.com/sxt-auth/sxt-auth/bindings/go v0.0.0

replace github.com/sxt-auth/sxt-auth/bindings/go => ../../bindings/go
