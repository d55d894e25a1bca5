//! The models of a big API cut into several crates, so that cargo checks them on several
//! cores at once: rustc checks one crate on one thread, and the models of Stripe's spec as one
//! crate took 9 s of its 13 (issue 24, BENCHMARKS.md).
//!
//! A crate can only name types of the crates it depends on, and types that hold each other
//! must share a crate. So the types' graph (a type and the types it holds) is cut at heights:
//! a type's height is one more than the highest it holds (types in a cycle share theirs), and
//! each band of heights is a stage, whose types only hold types of its own stage or lower
//! ones. Within a stage, the groups of types that hold none of the others' are shared between
//! [`WIDTH`] crates, the largest first, so that they are checked side by side. The bands are
//! chosen to make the longest chain of crates, each costing its types and a fixed start,
//! as short as it can be.

use std::collections::BTreeSet;

use crate::model::{Api, TypeId, TypeKind};

/// How many crates of one stage are checked side by side: CI runners have two cores.
pub const WIDTH: usize = 2;

/// The most heights the stages are chosen between (GitHub's types are 9 deep, the
/// benchmark's GitHub-shaped ones 91).
const LEVELS: usize = 64;

/// What a crate of models costs, in the units of [`cost`] (about a line of generated code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// What starting one more crate costs: rustc's start, reading its dependencies' metadata.
    pub crate_start: u64,
    /// Models that cost less stay one crate.
    pub split_from: u64,
}

impl Sizes {
    /// Measured on this workspace's benchmark machine: a crate starts in about 0.3 s, the
    /// time rustc takes on 1,500 lines of models; under 12,000 (about 2.5 s) one crate is as
    /// quick.
    pub const MEASURED: Sizes = Sizes {
        crate_start: 1_500,
        split_from: 12_000,
    };
}

/// One crate of models: its types, in the model's order, and the parts whose types they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub types: Vec<TypeId>,
    pub uses: Vec<usize>,
}

/// The crates the models are cut into, lowest first (a part uses only parts before it); one
/// part of every type when `sizes` says so.
pub fn parts(api: &Api, sizes: Sizes) -> Vec<Part> {
    let all = || {
        vec![Part {
            types: (0..api.types.len()).map(TypeId).collect(),
            uses: Vec::new(),
        }]
    };
    let costs: Vec<u64> = api.types.iter().map(|def| cost(&def.kind)).collect();
    if costs.iter().sum::<u64>() < sizes.split_from {
        return all();
    }
    let held: Vec<Vec<usize>> = (0..api.types.len())
        .map(|id| api.types_held_by(TypeId(id)).into_iter().map(|t| t.0).collect())
        .collect();
    let graph = Condensed::new(&held, &costs);
    let stages = graph.stages(sizes.crate_start);
    let mut parts: Vec<Part> = Vec::new();
    let mut part_of = vec![0; api.types.len()];
    for (low, high) in stages {
        for bin in graph.bins(low, high, sizes.crate_start) {
            let mut types: Vec<TypeId> = bin
                .iter()
                .flat_map(|&c| graph.members[c].iter().map(|&t| TypeId(t)))
                .collect();
            types.sort();
            for t in &types {
                part_of[t.0] = parts.len();
            }
            parts.push(Part {
                types,
                uses: Vec::new(),
            });
        }
    }
    if parts.len() < 2 {
        return all();
    }
    for (index, part) in parts.iter_mut().enumerate() {
        let uses: BTreeSet<usize> = part
            .types
            .iter()
            .flat_map(|t| &held[t.0])
            .map(|&h| part_of[h])
            .filter(|&p| p != index)
            .collect();
        part.uses = uses.into_iter().collect();
    }
    parts
}

/// About the lines of generated code a type takes (what rustc's time goes with): a struct's
/// impls and a few lines per field, an enum's impls and a line per value.
fn cost(kind: &TypeKind) -> u64 {
    let n = |len: usize| len as u64;
    match kind {
        TypeKind::Struct(s) => 8 + 3 * n(s.fields.len()),
        TypeKind::Enum(values) => 6 + n(values.len()),
        TypeKind::Union(u) => 6 + 2 * n(u.variants.len()),
        TypeKind::Constrained(_) => 6,
        TypeKind::Checked(c) => 8 + n(c.subschemas.len()),
        TypeKind::Alias(_) => 1,
    }
}

/// The types' graph with each cycle made one node (Tarjan's strongly connected components),
/// numbered so that a node holds only nodes numbered before it.
struct Condensed {
    members: Vec<Vec<usize>>,
    holds: Vec<BTreeSet<usize>>,
    costs: Vec<u64>,
    heights: Vec<usize>,
}

impl Condensed {
    fn new(held: &[Vec<usize>], costs: &[u64]) -> Condensed {
        let component = components(held);
        let count = component.iter().copied().max().map_or(0, |m| m + 1);
        let mut members = vec![Vec::new(); count];
        let mut holds = vec![BTreeSet::new(); count];
        let mut node_costs = vec![0; count];
        for (t, &c) in component.iter().enumerate() {
            members[c].push(t);
            node_costs[c] += costs[t];
            holds[c].extend(held[t].iter().map(|&h| component[h]).filter(|&h| h != c));
        }
        let mut heights = vec![0; count];
        for c in 0..count {
            heights[c] = holds[c].iter().map(|&h| heights[h] + 1).max().unwrap_or(0);
        }
        // The search over stages costs the square of the heights: a deeper graph's heights
        // are scaled down to [`LEVELS`] (still never lower than a height it holds).
        let top = heights.iter().max().map_or(0, |h| h + 1);
        if top > LEVELS {
            for h in &mut heights {
                *h = *h * LEVELS / top;
            }
        }
        Condensed {
            members,
            holds,
            costs: node_costs,
            heights,
        }
    }

    /// The bands of heights `[low, high)` that make the shortest chain of crates.
    fn stages(&self, crate_start: u64) -> Vec<(usize, usize)> {
        let top = self.heights.iter().max().map_or(0, |h| h + 1);
        let mut by_height: Vec<Vec<usize>> = vec![Vec::new(); top];
        for (c, &h) in self.heights.iter().enumerate() {
            by_height[h].push(c);
        }
        // longest[low][high]: the costliest crate of the stage `[low, high)`. For each `low`,
        // the stage grows a height at a time, its groups joined as they are found linked
        // (union-find: `root`, with each group's cost at its root).
        let mut longest = vec![vec![0u64; top + 1]; top + 1];
        let mut root: Vec<usize> = (0..self.members.len()).collect();
        let mut cost = self.costs.clone();
        for (low, longest_from) in longest.iter_mut().enumerate().take(top) {
            let mut roots: Vec<usize> = Vec::new();
            for high in low + 1..=top {
                for &c in &by_height[high - 1] {
                    root[c] = c;
                    cost[c] = self.costs[c];
                    roots.push(c);
                }
                for &c in &by_height[high - 1] {
                    for &h in self.holds[c].iter().filter(|&&h| self.heights[h] >= low) {
                        let (a, b) = (find(&mut root, c), find(&mut root, h));
                        if a != b {
                            root[b] = a;
                            cost[a] += cost[b];
                        }
                    }
                }
                roots.retain(|&c| root[c] == c);
                let groups = roots.iter().map(|&c| (cost[c], ())).collect();
                longest_from[high] = share(groups, crate_start).first().map_or(0, |(load, _)| *load);
            }
        }
        // best[h]: the shortest chain through the stages below height h, and where its last
        // stage starts.
        let mut best: Vec<(u64, usize)> = vec![(0, 0); top + 1];
        for high in 1..=top {
            best[high] = (0..high)
                .map(|low| (best[low].0 + longest[low][high] + crate_start, low))
                .min()
                .unwrap_or((0, 0));
        }
        let mut stages = Vec::new();
        let mut high = top;
        while high > 0 {
            let low = best[high].1;
            stages.push((low, high));
            high = low;
        }
        stages.reverse();
        stages
    }

    /// The nodes of heights `[low, high)` in at most [`WIDTH`] crates ([`share`]).
    fn bins(&self, low: usize, high: usize, crate_start: u64) -> Vec<Vec<usize>> {
        let groups = self
            .groups(low, high)
            .into_iter()
            .map(|g| (self.cost_of(&g), g))
            .collect();
        share(groups, crate_start)
            .into_iter()
            .map(|(_, groups)| {
                let mut bin: Vec<usize> = groups.into_iter().flatten().collect();
                bin.sort_unstable();
                bin
            })
            .collect()
    }

    /// The nodes of heights `[low, high)` in groups linked by holding, either way (each
    /// sorted, in the order of their first node), joined by the union-find the stages' search
    /// uses.
    fn groups(&self, low: usize, high: usize) -> Vec<Vec<usize>> {
        let inside = |c: usize| (low..high).contains(&self.heights[c]);
        let mut root: Vec<usize> = (0..self.members.len()).collect();
        for c in (0..self.members.len()).filter(|&c| inside(c)) {
            for &h in self.holds[c].iter().filter(|&&h| inside(h)) {
                let (a, b) = (find(&mut root, c), find(&mut root, h));
                root[b] = a;
            }
        }
        let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = std::collections::BTreeMap::new();
        for c in (0..self.members.len()).filter(|&c| inside(c)) {
            let r = find(&mut root, c);
            by_root.entry(r).or_default().push(c);
        }
        let mut groups: Vec<Vec<usize>> = by_root.into_values().collect();
        groups.sort_by_key(|g| g[0]);
        groups
    }

    fn cost_of(&self, nodes: &[usize]) -> u64 {
        nodes.iter().map(|&c| self.costs[c]).sum()
    }
}

/// Groups (each with its cost) shared between at most [`WIDTH`] crates, the costliest first
/// crate first: the largest group first, each into the crate that costs least so far; a crate
/// that would cost less than starting it joins the first. The stages' search and the final cut
/// both share through here, so the cut is the one the search costed.
fn share<T>(mut groups: Vec<(u64, T)>, crate_start: u64) -> Vec<(u64, Vec<T>)> {
    groups.sort_by_key(|(cost, _)| std::cmp::Reverse(*cost));
    let mut bins: Vec<(u64, Vec<T>)> = (0..WIDTH).map(|_| (0, Vec::new())).collect();
    for (cost, group) in groups {
        if let Some(lightest) = bins.iter_mut().min_by_key(|(load, _)| *load) {
            lightest.0 += cost;
            lightest.1.push(group);
        }
    }
    bins.retain(|(_, groups)| !groups.is_empty());
    bins.sort_by_key(|(load, _)| std::cmp::Reverse(*load));
    while bins.len() > 1 && bins.last().is_some_and(|(load, _)| *load < crate_start) {
        if let Some((load, groups)) = bins.pop() {
            bins[0].0 += load;
            bins[0].1.extend(groups);
        }
    }
    bins
}

/// The root of `c`'s group, halving the path there.
fn find(root: &mut [usize], mut c: usize) -> usize {
    while root[c] != c {
        root[c] = root[root[c]];
        c = root[c];
    }
    c
}

/// Each type's strongly connected component (Tarjan's, without recursion: GitHub's types
/// hold each other thousands deep), numbered in the order they close, so that a component
/// holds only components numbered before it.
fn components(held: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let count = held.len();
    let mut index = vec![UNSEEN; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut component = vec![UNSEEN; count];
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..count {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, how many of its held types are visited)
        let mut walk = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(top) = walk.last_mut() {
            let node = top.0;
            if let Some(&next) = held[node].get(top.1) {
                top.1 += 1;
                if index[next] == UNSEEN {
                    index[next] = next_index;
                    low[next] = next_index;
                    next_index += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    walk.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(index[next]);
                }
                continue;
            }
            walk.pop();
            if let Some(&(parent, _)) = walk.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_share_a_component_numbered_after_what_they_hold() {
        // 0 -> 1 -> 2 -> 1, 3 alone, 4 -> 0
        let held = vec![vec![1], vec![2], vec![1], vec![], vec![0]];
        let c = components(&held);
        assert_eq!(c[1], c[2]);
        assert!(c[1] < c[0] && c[0] < c[4]);
        assert_eq!(c.iter().collect::<BTreeSet<_>>().len(), 4);
    }

    #[test]
    fn a_deep_chain_needs_no_deep_recursion() {
        let held: Vec<Vec<usize>> = (0..200_000).map(|i| if i > 0 { vec![i - 1] } else { vec![] }).collect();
        let c = components(&held);
        assert!(c.windows(2).all(|w| w[0] < w[1]));
    }

    /// Two families of types that share only leaves: the leaves first, then each family in a
    /// crate of its own, checked side by side.
    #[test]
    fn independent_families_are_checked_side_by_side() {
        // 0..10: leaves; 10..60 family A (each holds a leaf and the one before); 60..110 B.
        let mut held: Vec<Vec<usize>> = vec![Vec::new(); 110];
        for (t, holds) in held.iter_mut().enumerate().skip(10) {
            holds.push(t % 10);
            if t != 10 && t != 60 {
                holds.push(t - 1);
            }
        }
        let costs = vec![100; 110];
        let graph = Condensed::new(&held, &costs);
        let stages = graph.stages(300);
        let chains: Vec<Vec<Vec<usize>>> = stages.iter().map(|&(l, h)| graph.bins(l, h, 300)).collect();
        let total: usize = chains.iter().flatten().map(Vec::len).sum();
        assert_eq!(total, 110, "every type in one crate: {chains:?}");
        let widest = chains.iter().map(Vec::len).max().unwrap();
        assert_eq!(widest, 2, "{chains:?}");
        for stage in &chains {
            for bin in stage {
                for &c in bin {
                    for &h in &graph.holds[c] {
                        let placed = chains.iter().flatten().position(|b| b.contains(&h)).unwrap();
                        let here = chains.iter().flatten().position(|b| b.contains(&c)).unwrap();
                        assert!(placed <= here, "a crate holds a type of a later one");
                    }
                }
            }
        }
    }
}
