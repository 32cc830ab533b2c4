// Registers every built-in driver; filled in with the driver registry.
