from assessc.cli import main

main()
