# Flipside: build with Maven, run on a JRE. Used by docker-compose.yml.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests install

FROM eclipse-temurin:17-jre
WORKDIR /opt/flipside
COPY --from=build /src/cli/target/flipside.jar /opt/flipside/flipside.jar
COPY --from=build /src/cli/target/lib /opt/flipside/lib
RUN printf '#!/bin/sh\nexec java ${FLIPSIDE_JAVA_OPTS:--Xmx512m} -jar /opt/flipside/flipside.jar "$@"\n' > /usr/local/bin/flipside \
    && chmod +x /usr/local/bin/flipside
ENTRYPOINT ["flipside"]
