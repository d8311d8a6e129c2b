from subsidy_cli.cli import main

main()
