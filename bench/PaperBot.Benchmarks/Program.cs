using PaperBot.Benchmarks;

return await BenchCommands.RunAsync(args);
