using PaperBot.Host;

return await PaperBotApp.RunAsync(args);
