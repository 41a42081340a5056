"""`xswitch demo`: an embedded local AWS and a sample catalog, no AWS account needed."""
