"""The new intervention form, from the queue's button or a client's detail."""
