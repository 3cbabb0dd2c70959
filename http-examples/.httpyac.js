// httpyac reads this file from the folder of the .http files. It teaches httpyac the request
// variables of VS Code REST Client, {{name.response.body.$.a.b[0]}}, which the labs use so that one
// file runs in every client (httpyac itself stores a named response's body as the variable "name").
const REF = /\{\{\s*([A-Za-z_][\w-]*)\.response\.body\.\$((?:\.[A-Za-z_]\w*|\[\d+\])*)\s*\}\}/g;

module.exports = {
  configureHooks(api) {
    api.hooks.replaceVariable.addHook('restClientRequestVariables', async (text, _type, context) => {
      if (typeof text !== 'string' || !text.includes('.response.body.$')) return text;
      return text.replace(REF, (_m, name, path) => {
        let v = context.variables[name];
        if (v === undefined) throw new Error(`request "${name}" has not run yet (# @name ${name})`);
        for (const step of path.match(/\.[A-Za-z_]\w*|\[\d+\]/g) || [])
          v = v == null ? v : v[step.startsWith('.') ? step.slice(1) : Number(step.slice(1, -1))];
        if (v === undefined) throw new Error(`${name}.response.body.$${path} is not in the response`);
        return typeof v === 'object' ? JSON.stringify(v) : String(v);
      });
    }, { before: ['javascript'] });
  },
};
