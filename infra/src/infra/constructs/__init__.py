"""The reusable pieces the stacks compose: a GraphQL service and the public router, both built
on the app service every task of the cluster is."""
