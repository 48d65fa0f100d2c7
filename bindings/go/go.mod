module github.com/sxt-auth/sxt-auth/bindings/go

go 1.22
