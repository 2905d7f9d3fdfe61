"""The appliance step: the Packages settings as `ghe-config` keys, the guarded script that writes them, and the
`render` and `configure` operations that deliver it."""
