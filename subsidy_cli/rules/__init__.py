"""The rules as data: measures.toml and county layers, dated values, snapshots, the rules hash. No evaluation."""
