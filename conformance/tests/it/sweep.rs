//! `sweep`: exactly the run tag, in the fields the run writes it into; every page of the
//! list, as the spec documents paging; `--dry-run` deletes nothing; nothing else is deleted.

use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use conformance::exec::{Runner, Settings, Target};
use serde_json::{Value, json};

/// How the test server pages its list.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Paging {
    Cursor,
    Page,
    Offset,
    NextLink,
    None,
}

const PAGE: usize = 2;

#[derive(Clone)]
struct Server {
    items: Arc<Mutex<Vec<Value>>>,
    paging: Paging,
}

fn spec(paging: Paging) -> String {
    let param = match paging {
        Paging::Cursor => "        - {name: cursor, in: query, schema: {type: string}}\n",
        Paging::Page => "        - {name: page, in: query, schema: {type: integer, minimum: 1}}\n",
        Paging::Offset => "        - {name: offset, in: query, schema: {type: integer, minimum: 0}}\n",
        Paging::NextLink | Paging::None => "",
    };
    format!(
        r##"
openapi: 3.0.3
info: {{title: items, version: "1"}}
paths:
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [url]
              properties:
                url: {{type: string, format: uri}}
                description: {{type: string}}
      responses:
        "201":
          description: made
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/Item"}}
    get:
      operationId: listItems
      parameters:
{param}        - {{name: limit, in: query, schema: {{type: integer, maximum: {PAGE}}}}}
      responses:
        "200":
          description: a page
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {{type: array, items: {{$ref: "#/components/schemas/Item"}}}}
                  next_cursor: {{type: string, nullable: true}}
                  next: {{type: string, nullable: true}}
  /items/{{item_id}}:
    delete:
      operationId: deleteItem
      parameters:
        - {{name: item_id, in: path, required: true, schema: {{type: string}}}}
      responses:
        "204": {{description: gone}}
        "404": {{description: no such item}}
components:
  schemas:
    Item:
      type: object
      required: [id, url]
      properties:
        id: {{type: string}}
        url: {{type: string}}
        description: {{type: string}}
"##
    )
}

async fn list(State(s): State<Server>, RawQuery(q): RawQuery) -> ([(&'static str, &'static str); 1], String) {
    let q: std::collections::HashMap<String, String> = q
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let items = s.items.lock().unwrap().clone();
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(PAGE).min(PAGE);
    let start = match s.paging {
        Paging::Cursor | Paging::NextLink => q
            .get("cursor")
            .and_then(|c| items.iter().position(|i| i["id"] == c.as_str()))
            .unwrap_or(0),
        Paging::Page => (q.get("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1) - 1) * limit,
        Paging::Offset => q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0),
        Paging::None => 0,
    };
    let page: Vec<Value> = items.iter().skip(start).take(limit).cloned().collect();
    let after = items.get(start + limit).map(|i| i["id"].as_str().unwrap().to_owned());
    let body = match s.paging {
        Paging::Cursor => json!({"data": page, "next_cursor": after}),
        Paging::NextLink => json!({"data": page, "next": after.map(|c| format!("/items?cursor={c}&limit={limit}"))}),
        _ => json!({"data": page}),
    };
    ([("content-type", "application/json")], body.to_string())
}

async fn remove(State(s): State<Server>, Path(id): Path<String>) -> StatusCode {
    let mut items = s.items.lock().unwrap();
    match items.iter().position(|i| i["id"] == id.as_str()) {
        Some(at) => {
            items.remove(at);
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}

/// Tagged leftovers (this format, several pages apart) and what must stay.
fn seed() -> (Vec<Value>, Vec<&'static str>) {
    let items = vec![
        json!({"id": "a1", "url": "https://example.com/mine"}),
        json!({"id": "a2", "url": "https://example.com/cfm-0123abcd"}),
        json!({"id": "a3", "url": "https://example.com/cfm-notmine"}),
        json!({"id": "a4", "url": "https://example.com/x", "description": "cfm-89abcdef"}),
        json!({"id": "a5", "url": "https://example.com/cfm-0123ABCD"}),
        json!({"id": "a6", "url": "https://example.com/cfm-0123abcd9"}),
        json!({"id": "a7", "url": "https://example.com/xcfm-0123abcd"}),
        json!({"id": "a8", "url": "https://example.com/cfm-0123abc"}),
        json!({"id": "a9", "url": "https://example.com/conformance/cfm-deadbeef"}),
        json!({"id": "b1", "url": "https://example.com/cfm-deadbeef/aaaa"}),
        json!({"id": "b2", "url": "https://example.com/nope", "note": "https://example.com/cfm-00000000"}),
    ];
    (items, vec!["a2", "a9", "b1"])
}

async fn start(paging: Paging) -> (Server, String, tokio::task::JoinHandle<()>) {
    let (items, _) = seed();
    let state = Server {
        items: Arc::new(Mutex::new(items)),
        paging,
    };
    let router = Router::new()
        .route("/items", get(list))
        .route("/items/{item_id}", delete(remove))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (state, base, task)
}

fn runner(paging: Paging, base: &str) -> Runner {
    let api = generator::load_str(&spec(paging), None).unwrap();
    let plan = conformance::plan(&api, "cfm-00000000", &[]);
    Runner::new(
        Arc::new(plan),
        Target {
            base_url: base.into(),
            ..Target::default()
        },
        Settings::default(),
    )
    .unwrap()
}

fn ids(server: &Server) -> Vec<String> {
    server
        .items
        .lock()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn sweep_removes_exactly_the_tagged_on_every_page_and_nothing_else() {
    for paging in [Paging::Cursor, Paging::Page, Paging::Offset, Paging::NextLink] {
        let (server, base, task) = start(paging).await;
        let (all, tagged) = seed();
        let swept = runner(paging, &base).sweep(false).await.unwrap();
        let left = ids(&server);
        task.abort();
        let expected: Vec<String> = all
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .filter(|id| !tagged.contains(&id.as_str()))
            .collect();
        assert_eq!(left, expected, "{paging:?}: {:?}", swept.notes);
        assert_eq!(swept.removed, tagged.len(), "{paging:?}");
        assert!(swept.failures.is_empty(), "{paging:?}: {:?}", swept.failures);
        assert!(
            swept.notes.iter().any(|n| n.contains("page(s) of the list")),
            "{paging:?}: {:?}",
            swept.notes
        );
    }
}

#[tokio::test]
async fn without_documented_paging_sweep_reads_one_page_and_says_so() {
    let (server, base, task) = start(Paging::None).await;
    let swept = runner(Paging::None, &base).sweep(false).await.unwrap();
    let left = ids(&server);
    task.abort();
    // The first page holds a1 and a2: only a2 is tagged.
    assert_eq!(swept.removed, 1);
    assert!(!left.contains(&"a2".to_owned()) && left.contains(&"a9".to_owned()));
    assert!(
        swept.notes.iter().any(|n| n.contains("only the first page was read")),
        "{:?}",
        swept.notes
    );
}

#[tokio::test]
async fn a_dry_run_lists_and_deletes_nothing() {
    let (server, base, task) = start(Paging::Cursor).await;
    let before = ids(&server);
    let swept = runner(Paging::Cursor, &base).sweep(true).await.unwrap();
    assert_eq!(ids(&server), before);
    assert_eq!(swept.removed, 0);
    assert_eq!(swept.found.len(), 3, "{:?}", swept.found);
    assert!(
        swept.found[0].starts_with("a2 (url = https://example.com/cfm-0123abcd)"),
        "{:?}",
        swept.found
    );

    // The command line says the same, and exits 0.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sweep-dry-run");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("items.yaml");
    std::fs::write(&file, spec(Paging::Cursor)).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_conformance"))
            .args(["sweep", "--dry-run", "--spec"])
            .arg(&file)
            .args(["--base-url", &base])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(ids(&server), before);
    task.abort();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("would remove ").count(), 3, "{stdout}");
    assert!(
        stdout.contains("dry run: 3 leftover resources found, none removed"),
        "{stdout}"
    );
}

#[test]
fn the_tag_is_matched_exactly_as_a_token() {
    use conformance::plan::carries_tag;
    for yes in [
        "cfm-0123abcd",
        "https://example.com/cfm-0123abcd",
        "https://example.com/cfm-0123abcd/aaaa",
        "conformance-cfm-0123abcd",
        "cfm-0123abcd@example.com",
        "x cfm-notmine cfm-0123abcd",
    ] {
        assert!(carries_tag(yes), "{yes}");
    }
    for no in [
        "https://example.com/cfm-notmine",
        "cfm-0123ABCD",
        "cfm-0123abc",
        "cfm-0123abcd9",
        "xcfm-0123abcd",
        "cfm-",
        "",
        "cfm-0123abcé",
    ] {
        assert!(!carries_tag(no), "{no}");
    }
}
