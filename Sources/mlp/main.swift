import MLPCLI

await MLPCommandLine.main()
