from assessc.command import main

main()
