"""Circuit breakers shared by every instance, and the operator's reset and forced open."""
