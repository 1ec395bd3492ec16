# syntax=docker/dockerfile:1
# PaperBot: the Discord research-assistant bot.
#   docker build -t paperbot .
#   docker run -d --name paperbot -e Discord__Token=... -v paperbot-data:/data paperbot

# ---- build: restore (cached while project files are unchanged), test, publish ----
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

COPY global.json PaperBot.sln Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/PaperBot.Core/PaperBot.Core.csproj src/PaperBot.Core/
COPY src/PaperBot.AI/PaperBot.AI.csproj src/PaperBot.AI/
COPY src/PaperBot.Discord/PaperBot.Discord.csproj src/PaperBot.Discord/
COPY src/PaperBot.Host/PaperBot.Host.csproj src/PaperBot.Host/
COPY src/PaperBot.Store.Postgres/PaperBot.Store.Postgres.csproj src/PaperBot.Store.Postgres/
COPY tests/PaperBot.Core.Tests/PaperBot.Core.Tests.csproj tests/PaperBot.Core.Tests/
COPY tests/PaperBot.AI.Tests/PaperBot.AI.Tests.csproj tests/PaperBot.AI.Tests/
COPY tests/PaperBot.Discord.Tests/PaperBot.Discord.Tests.csproj tests/PaperBot.Discord.Tests/
COPY tests/PaperBot.Host.Tests/PaperBot.Host.Tests.csproj tests/PaperBot.Host.Tests/
COPY tests/PaperBot.IntegrationTests/PaperBot.IntegrationTests.csproj tests/PaperBot.IntegrationTests/
COPY tests/PaperBot.Store.Postgres.Tests/PaperBot.Store.Postgres.Tests.csproj tests/PaperBot.Store.Postgres.Tests/
COPY bench/PaperBot.Benchmarks/PaperBot.Benchmarks.csproj bench/PaperBot.Benchmarks/
RUN dotnet restore PaperBot.sln

COPY . .
# The discord.js check skips itself here (no node in the SDK image), and so do the PostgreSQL store's tests
# (no server); everything else runs.
RUN dotnet test PaperBot.sln -c Release --no-restore \
 && dotnet publish src/PaperBot.Host/PaperBot.Host.csproj -c Release --no-restore -o /app

# ---- runtime: ASP.NET Core runtime (the optional HTTP interactions endpoint uses Kestrel), no SDK ----
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .

# The library lives on a volume; secrets (Discord__Token, model keys) come only from the environment.
RUN mkdir -p /data && chown "$APP_UID" /data
VOLUME ["/data"]
ENV Library__Path=/data/library.db \
    Discord__HeartbeatFile=/tmp/paperbot-heartbeat \
    DOTNET_CLI_TELEMETRY_OPTOUT=1

# The image's built-in non-root user.
USER $APP_UID

# Healthy while Discord acknowledged a gateway heartbeat in the last 120 s (the bot writes the time on each ACK);
# `paperbot health` is the one definition of healthy, also for supervisors outside containers.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
  CMD ["dotnet", "paperbot.dll", "health"]

ENTRYPOINT ["dotnet", "paperbot.dll"]
