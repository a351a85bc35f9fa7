// The schema for GraphiQL (completion, validation, documentation) through a shallower
// introspection query than GraphiQL's own: the server limits query depth (MAX_QUERY_DEPTH,
// 12 by default) and the standard query nests `ofType` deeper than that. Four levels of type
// wrapping cover every type of this schema (at most `[T!]!`).
const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
const INPUT_VALUE = `name description type { ${TYPE_REF} } defaultValue isDeprecated deprecationReason`;

export const INTROSPECTION_QUERY = `query PlaygroundIntrospection {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      kind
      name
      description
      specifiedByURL
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) { ${INPUT_VALUE} }
        type { ${TYPE_REF} }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) { ${INPUT_VALUE} }
      interfaces { ${TYPE_REF} }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ${TYPE_REF} }
    }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ${INPUT_VALUE} }
    }
  }
}`;
