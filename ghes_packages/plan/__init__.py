"""The offline plan: the real program evaluated in Pulumi's mock runtime, then every rule of the policy pack."""
